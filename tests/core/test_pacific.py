"""Midnight in Los Angeles by pure arithmetic, against the US DST rules."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from core.pacific import next_pacific_midnight, utc_clock


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(("now", "midnight"), [
    ("2026-12-01T12:00:00", "2026-12-02T08:00:00"),  # winter: PST, UTC-8
    ("2026-07-01T12:00:00", "2026-07-02T07:00:00"),  # summer: PDT, UTC-7
    ("2026-12-02T07:59:59", "2026-12-02T08:00:00"),  # one second before midnight
    ("2026-12-02T08:00:00", "2026-12-03T08:00:00"),  # at midnight: the next one
    ("2026-12-31T23:00:00", "2027-01-01T08:00:00"),  # across the year (15:00 in LA)
    # 2026: DST from Sunday 8 March 02:00 PST (10:00Z) to Sunday 1 November 02:00 PDT (09:00Z).
    ("2026-03-08T07:59:59", "2026-03-08T08:00:00"),  # the night before the change: still PST
    ("2026-03-08T09:59:59", "2026-03-09T07:00:00"),  # 01:59:59 PST on the change day: next midnight is PDT
    ("2026-03-08T10:00:00", "2026-03-09T07:00:00"),  # 03:00 PDT
    ("2026-10-31T12:00:00", "2026-11-01T07:00:00"),  # the day before the fall change: midnight still PDT
    ("2026-11-01T08:59:59", "2026-11-02T08:00:00"),  # 01:59:59 PDT: the next midnight is PST
    ("2026-11-01T09:00:00", "2026-11-02T08:00:00"),  # 01:00 PST, the hour that repeats
    ("2028-02-29T20:00:00", "2028-03-01T08:00:00"),  # a leap day
    ("2027-03-14T10:00:00", "2027-03-15T07:00:00"),  # 2027: second Sunday of March is the 14th
])
def test_next_midnight(now, midnight):
    assert next_pacific_midnight(utc(now)) == utc(midnight)


def test_against_the_tz_database_when_there_is_one():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        los_angeles = zoneinfo.ZoneInfo("America/Los_Angeles")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database here (the reason the core computes it)")
    rng = random.Random(12)
    for _ in range(20000):
        now = rng.uniform(utc("2007-01-01T00:00:00"), utc("2099-12-31T00:00:00"))  # the rules since 2007
        local = datetime.fromtimestamp(now, los_angeles)
        tomorrow = (local + timedelta(days=1)).date()
        expected = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=los_angeles).timestamp()
        assert next_pacific_midnight(now) == expected, now


def test_utc_clock():
    assert utc_clock(utc("2026-12-02T08:00:00")) == "08:00Z"
    assert utc_clock(utc("2026-12-02T23:59:59.9")) == "23:59Z"
