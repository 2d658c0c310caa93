"""Midnight in US Pacific time, from a Unix time, by pure arithmetic (no zoneinfo, no clock).

Gemini's daily quotas reset at midnight Pacific time (https://ai.google.dev/gemini-api/docs/rate-limits).
zoneinfo is missing on some platforms (Windows without tzdata, Pyodide), so the US rules are
computed here: daylight time (UTC-7) from the second Sunday of March at 02:00 local standard time
to the first Sunday of November at 02:00 local daylight time, standard time (UTC-8) otherwise
(15 U.S.C. 260a, as amended by the Energy Policy Act of 2005). Dates are proleptic Gregorian,
converted with Howard Hinnant's `days_from_civil` / `civil_from_days`
(https://howardhinnant.github.io/date_algorithms.html).
"""

from __future__ import annotations

__all__ = ["next_pacific_midnight", "utc_clock", "utc_seconds"]

_DAY = 86400
_HOUR = 3600


def next_pacific_midnight(now: float) -> float:
    """The Unix time of the first midnight in Los Angeles strictly after `now`."""
    local = now + _offset(now)
    day = int(local // _DAY) + 1  # the next local date, as days since 1970-01-01
    year, _, _ = _civil_from_days(day)
    # DST starts and ends at 02:00, so at 00:00 of a date it is in force from the day after the
    # March change up to and including the November change day.
    daylight = _dst_start_day(year) < day <= _dst_end_day(year)
    return day * _DAY + (7 if daylight else 8) * _HOUR


def utc_clock(now: float) -> str:
    """`HH:MMZ` for a Unix time, for log lines ("rests until 07:00Z")."""
    seconds = int(now) % _DAY
    return f"{seconds // _HOUR:02d}:{seconds % _HOUR // 60:02d}Z"


def utc_seconds(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """The Unix time of a UTC date and time (for timestamps Gemini writes in ISO 8601)."""
    return _days_from_civil(year, month, day) * _DAY + hour * _HOUR + minute * 60 + second


def _offset(now: float) -> int:
    """Seconds to add to UTC for Pacific time at the instant `now`."""
    year = _civil_from_days(int(now // _DAY))[0]
    start = _dst_start_day(year) * _DAY + 10 * _HOUR  # 02:00 PST = 10:00 UTC
    end = _dst_end_day(year) * _DAY + 9 * _HOUR  # 02:00 PDT = 09:00 UTC
    return -7 * _HOUR if start <= now < end else -8 * _HOUR


def _dst_start_day(year: int) -> int:
    return _nth_sunday(year, 3, 2)


def _dst_end_day(year: int) -> int:
    return _nth_sunday(year, 11, 1)


def _nth_sunday(year: int, month: int, n: int) -> int:
    first = _days_from_civil(year, month, 1)
    weekday = (first + 4) % 7  # 1970-01-01 was a Thursday; 0 = Sunday
    return first + (7 - weekday) % 7 + 7 * (n - 1)


def _days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day
