"""Strict mode: refuse what real Gemini refuses, with Gemini's own 400 texts.

Each rule is one function ``(Check) -> error envelope | None`` and cites where the refusal
(and its wording) comes from; ``RULES`` runs them in order and the first refusal is the
answer, before any generation.  Texts are the Gemini API's (generativelanguage.googleapis.com)
where users pasted one; Vertex AI wraps the same checks as "Unable to submit request because
... Learn more: ...", which the fake does not copy.  Model facts live in tests/fakes/catalog.py.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tests.fakes.catalog import SHUT_DOWN, generation, served_model, thinking_of
from tests.fakes.wire import error_body, get

__all__ = ["RULES", "Check", "check", "shut_down"]

LEVELS = ("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH")
# Built-in (server-side) tools, as Tool fields; computerUse runs on the client
# (ai.google.dev/gemini-api/docs/tools: "For custom tools and computer use, your app handles execution").
BUILT_IN = ("googleSearch", "googleSearchRetrieval", "urlContext", "codeExecution", "googleMaps", "fileSearch")
SIGNATURE_MISSING = (
    "Function call is missing a thought_signature in functionCall parts. This is required for tools to "
    "work correctly, and missing thought_signature may lead to degraded model performance. Additional "
    "data, function call `default_api:{name}` , position {position}. Please refer to "
    "https://ai.google.dev/gemini-api/docs/thought-signatures for more details.")


@dataclass
class Check:
    """One generateContent request under scrutiny."""
    model: str          # as the client named it
    body: dict

    @property
    def served(self) -> str:
        return served_model(self.model)

    @property
    def config(self) -> dict:
        config = get(self.body, "generationConfig")
        return config if isinstance(config, dict) else {}

    @property
    def thinking(self) -> dict:
        thinking = get(self.config, "thinkingConfig")
        return thinking if isinstance(thinking, dict) else {}

    @property
    def contents(self) -> list[dict]:
        contents = self.body.get("contents")
        return [c for c in contents if isinstance(c, dict)] if isinstance(contents, list) else []


def _bad(message: str) -> dict:
    return error_body(400, message)


def shut_down(model: str) -> dict | None:
    """404 NOT_FOUND for a name Google has shut down (every method)."""
    # Sources per name in catalog.SHUT_DOWN (ai.google.dev/gemini-api/docs/deprecations.md).
    message = SHUT_DOWN.get(model)
    return error_body(404, message) if message else None


def shut_down_model(c: Check) -> dict | None:
    return shut_down(c.model)


def thinking_level_value(c: Check) -> dict | None:
    """A thinkingLevel that is no ThinkingLevel at all fails the JSON parser."""
    # The proto JSON parser's wording for a bad enum value, as for responseModalities
    # (tests/fakes/media.py); REST samples send levels lowercase (ai.google.dev/gemini-api/docs/thinking).
    level = get(c.thinking, "thinkingLevel")
    if level is None or (isinstance(level, str) and level.upper() in LEVELS):
        return None
    return _bad("Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/"
                f"google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), \"{level}\"")


def thinking_budget_with_level(c: Check) -> dict | None:
    """A budget and a level in one thinkingConfig."""
    # "thinking_budget and thinking_level are not supported together" — github.com/cline/cline/issues/7957
    # (Gemini provider, gemini-3-pro-preview); "Doing so will return a 400 error from the API"
    # (hexdocs.pm/gemini_ex ThinkingConfig).
    if get(c.thinking, "thinkingBudget") is not None and get(c.thinking, "thinkingLevel") is not None:
        return _bad("thinking_budget and thinking_level are not supported together.")
    return None


def thinking_not_enabled(c: Check) -> dict | None:
    """Any thinkingConfig on a model that does not think."""
    # "400 Thinking is not enabled for models/gemma-3-27b-it" (pasted log; lobehub PR #7686).
    spec = thinking_of(c.served)
    if c.thinking and spec is not None and not spec.thinks:
        return _bad(f"Thinking is not enabled for models/{c.model}")
    return None


def thinking_level_not_taken(c: Check) -> dict | None:
    """A level on a budget-only model, or a level the model does not offer."""
    # 2.5 family: "400 Thinking level is not supported for this model." (github.com/dhyansraj/
    # mcp-mesh/issues/1346, measured live). Refused level: "Thinking level MINIMAL is not supported
    # for this model. Please retry with other thinking level." (github.com/earendil-works/pi/issues/9455
    # on gemini-3.8-flash, theJayTea/WritingTools#282 on gemini-flash-latest, vercel/ai#18986 on 3.7 Flash).
    level, spec = get(c.thinking, "thinkingLevel"), thinking_of(c.served)
    if level is None or spec is None or not spec.thinks:
        return None
    if spec.levels is None:
        return _bad("Thinking level is not supported for this model.")
    if str(level).upper() not in spec.levels:
        return _bad(f"Thinking level {str(level).upper()} is not supported for this model. "
                    "Please retry with other thinking level.")
    return None


def thinking_budget_not_taken(c: Check) -> dict | None:
    """A budget on a level-only model (Gemma 4, TTS, 2.5 Flash Image)."""
    # "Thinking budget is not supported for this model." (github.com/aduermael/herm/issues/23, gemma-4-31b-it).
    spec = thinking_of(c.served)
    if get(c.thinking, "thinkingBudget") is not None and spec is not None and spec.thinks and spec.budget is None:
        return _bad("Thinking budget is not supported for this model.")
    return None


def thinking_budget_zero(c: Check) -> dict | None:
    """Budget 0 on a model that cannot stop thinking (Pro models, 3.5 Flash-Lite)."""
    # "400: Budget 0 is invalid. This model only works in thinking mode." on 2.5 Pro and 3.1 Pro
    # (find_string "only works in thinking mode"; vercel/ai#8027); 3.5 Flash-Lite answers 400 to a
    # zero budget (github.com/googleapis/python-genai/issues/2936, exact text not pasted).
    spec = thinking_of(c.served)
    if get(c.thinking, "thinkingBudget") == 0 and spec is not None and spec.budget is not None and not spec.off:
        return _bad("Budget 0 is invalid. This model only works in thinking mode.")
    return None


def thinking_budget_range(c: Check) -> dict | None:
    """A budget outside the model's documented range (-1 means dynamic)."""
    # "The thinking budget 128 is invalid. Please choose a value between 512 and 24576." on
    # gemini-2.5-flash-lite (github.com/earendil-works/pi/pull/2861; older form "The thinking budget
    # (52428) is invalid.", RooCodeInc/Roo-Code#4399); ranges: ai.google.dev/gemini-api/docs/thinking#set-budget.
    budget, spec = get(c.thinking, "thinkingBudget"), thinking_of(c.served)
    if not isinstance(budget, int) or budget in (0, -1) or spec is None or spec.budget is None:
        return None
    low, high = spec.budget
    if low <= budget <= high:
        return None
    return _bad(f"The thinking budget {budget} is invalid. Please choose a value between {low} and {high}.")


def penalty_not_enabled(c: Check) -> dict | None:
    """A non-zero presence or frequency penalty on a Gemini model."""
    # "400 INVALID_ARGUMENT ... 'Penalty is not enabled for this model'" for any non-zero value "on every
    # tested model"; 0.0 is not validated (github.com/google-gemini/cookbook/issues/1290, 2026-07-17);
    # 3.7/3.8 Flash (Ikalus1988/MisakaNet#1473); 3.5 Flash-Lite "throws an error" (its model page).
    if not c.served.startswith("gemini-"):
        return None
    if any(get(c.config, name) not in (None, 0) for name in ("presencePenalty", "frequencyPenalty")):
        return _bad("Penalty is not enabled for this model")
    return None


def logprobs_not_enabled(c: Check) -> dict | None:
    """responseLogprobs / logprobs on the Gemini models served today."""
    # "Logprobs is not enabled for models/gemini-2.5-pro" (github.com/googleapis/python-genai/issues/1921,
    # mscraftsman/generative-ai#135), ".../gemini-2.5-flash-lite" (Vela-Research/think-reason-learn#34);
    # an alias gets "Logprobs is not enabled for this model" (gemini-flash-latest, omeryasirkucuk/amx#55);
    # 3.5 Flash refuses them too (GoogleCloudPlatform/generative-ai#2947). The one model reported to take
    # them, gemini-2.0-flash, was shut down 2026-06-01.
    wanted = get(c.config, "responseLogprobs") or get(c.config, "logprobs") is not None
    if not wanted or not c.served.startswith("gemini-"):
        return None
    return _bad("Logprobs is not enabled for " + ("this model" if c.served != c.model else f"models/{c.model}"))


def built_in_tools_without_flag(c: Check) -> dict | None:
    """Built-in tools beside function declarations without the combination flag."""
    # "Please enable tool_config.include_server_side_tool_invocations to use Built-in tools with Function
    # calling." (googleapis/js-genai#1425, genkit-ai/genkit#4970, cloudwego/eino-ext#761,
    # pydantic/pydantic-ai#6052 for codeExecution); the flag: ai.google.dev/gemini-api/docs/tool-combination.
    tools = [t for t in c.body.get("tools") or [] if isinstance(t, dict)]
    functions = any(get(t, "functionDeclarations") for t in tools)
    built_in = any(get(t, name) is not None for t in tools for name in BUILT_IN)
    flag = get(get(c.body, "toolConfig"), "includeServerSideToolInvocations")
    if functions and built_in and flag is not True:
        return _bad("Please enable tool_config.include_server_side_tool_invocations to use Built-in tools "
                    "with Function calling.")
    return None


def output_tokens_over_limit(c: Check) -> dict | None:
    """`maxOutputTokens` above the model's output limit: 65536 from Gemini 2.5 on, 8192 before."""
    # "Unable to submit request because it has a maxOutputTokens value of 65536 but the supported range is
    # from 1 (inclusive) to 65536 (exclusive)" (BerriAI/litellm#10548, Vertex; the same check on the Gemini
    # API: stackblitz-labs/bolt.diy#955). Claude Code asks for 128000.
    gen = generation(c.served)
    limit = 65536 if gen is not None and gen >= (2, 5) else 8192
    asked = get(c.config, "maxOutputTokens")
    if isinstance(asked, int) and asked > limit:
        return _bad(f"Unable to submit request because it has a maxOutputTokens value of {asked} but the supported range "
                    f"is from 1 (inclusive) to {limit + 1} (exclusive). Update the value and try again.")
    return None


def built_in_tools_with_functions_before_gemini_3(c: Check) -> dict | None:
    """The combination flag on a model that cannot combine built-in tools with function calling."""
    # "Tool call context circulation is not enabled for models/<model>" (prism-php/prism#972, which tried
    # every model); the combination is Gemini 3's (ai.google.dev/gemini-api/docs/tool-combination).
    tools = [t for t in c.body.get("tools") or [] if isinstance(t, dict)]
    functions = any(get(t, "functionDeclarations") for t in tools)
    built_in = any(get(t, name) is not None for t in tools for name in BUILT_IN)
    flag = get(get(c.body, "toolConfig"), "includeServerSideToolInvocations")
    if functions and built_in and flag is True and generation(c.served) < (3, 0):
        return _bad(f"Tool call context circulation is not enabled for models/{c.model}")
    return None


_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")


def function_name_invalid(c: Check) -> dict | None:
    """A function declaration whose name Gemini's naming rule refuses."""
    # FunctionDeclaration.name in the generativelanguage v1beta reference: "Must start with a letter or an
    # underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum
    # length of 64" (python-genai's types say 128; the stricter one is kept). The message is Gemini's field
    # error form for that rule.
    tools = [t for t in c.body.get("tools") or [] if isinstance(t, dict)]
    for index, declaration in enumerate(d for t in tools for d in get(t, "functionDeclarations") or [] if isinstance(d, dict)):
        name = declaration.get("name")
        if not isinstance(name, str) or not _FUNCTION_NAME.fullmatch(name):
            return _bad(f"* GenerateContentRequest.tools[0].function_declarations[{index}].name: Invalid function name. "
                        "Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, "
                        "colons and dashes, with a maximum length of 64.")
    return None


def single_turn_ends_with_user(c: Check) -> dict | None:
    """A one-content request must be the user's."""
    # "Error 400: Please ensure that single turn requests end with a user role or the role field is
    # empty." (github.com/vu5eruz/GeminiForJanitors/issues/35, a prefill on 2.5 Flash).
    if len(c.contents) == 1 and c.contents[0].get("role", "user") != "user":
        return _bad("Please ensure that single turn requests end with a user role or the role field is empty.")
    return None


def no_model_turn_prefill(c: Check) -> dict | None:
    """Gemini 3.5 Flash-Lite, 3.6 Flash and every later model refuse a request ending with a model turn."""
    # "Starting with Gemini 3.6 Flash and Gemini 3.5 Flash-Lite ... these models and all future Gemini
    # model releases ... Prefilling model turns is no longer supported" (ai.google.dev/gemini-api/docs/
    # latest-model, quoted in cline/cline#12521); the text, verified live on the Gemini API for 3.6 Flash
    # and 3.5 Flash-Lite (200 on 3.5 Flash and 2.5 Flash): github.com/LibreChat-AI/agents/pull/323;
    # 3.7 Flash: LibreChat-AI/agents#412; 3.8 Flash: anomalyco/opencode#47034.
    served = c.served
    if not (generation(served) >= (3, 6) or served == "gemini-3.5-flash-lite") or served.endswith("-latest"):
        return None
    last = c.contents[-1] if c.contents else {}
    parts = [p for p in last.get("parts") or [] if isinstance(p, dict)]
    if last.get("role") == "model" and not (parts and get(parts[-1], "functionResponse") is not None):
        return _bad("Requests ending with a model turn are not supported unless the last part is a function "
                    "response.")
    return None


def _parts(content: dict, kind: str) -> list[dict]:
    return [p for p in content.get("parts") or [] if isinstance(p, dict) and get(p, kind) is not None]


def function_responses_match_calls(c: Check) -> dict | None:
    """The content after a model's function calls answers each of them."""
    # "Please ensure that the number of function response parts is equal to the number of function call
    # parts of the function call turn." (google-gemini/gemini-cli#4217 on 2.5 Pro, #18509 on
    # gemini-3-flash-preview, #16415, ...).
    contents = c.contents
    for content, after in itertools.pairwise(contents):
        calls = len(_parts(content, "functionCall")) if content.get("role") == "model" else 0
        if calls and len(_parts(after, "functionResponse")) != calls:
            return _bad("Please ensure that the number of function response parts is equal to the number of "
                        "function call parts of the function call turn.")
    return None


def _validates_signatures(model: str) -> bool:
    # Gemini 3 validates; "Gemini 3 Pro Image doesn't return a 400 error if a thought signature isn't
    # returned" (docs.cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures).
    return generation(model) >= (3, 0) and "-image" not in model


def _signed(part: dict) -> bool:
    return bool(get(part, "thoughtSignature"))


def _steps(contents: list[dict]) -> Iterator[tuple[int, dict]]:
    """(index, first functionCall part) of each model step in the current turn."""
    # "The API looks back through the history (newest to oldest) to find the most recent User message
    # that contains standard content (e.g., text) ... That will not be a functionResponse."
    start = 0
    for i in range(len(contents) - 1, -1, -1):
        parts = [p for p in contents[i].get("parts") or [] if isinstance(p, dict)]
        if contents[i].get("role", "user") == "user" and any(get(p, "functionResponse") is None for p in parts):
            start = i
            break
    for i in range(start, len(contents)):
        calls = _parts(contents[i], "functionCall") if contents[i].get("role") == "model" else []
        if calls:
            yield i, calls[0]


def _missing_signature(index: int, part: dict) -> dict:
    # Position: the content's 1-based index — inferred from pasted errors ("position 2" for a
    # [user, model(call), user(response)] history), not documented.
    name = get(get(part, "functionCall"), "name")
    return _bad(SIGNATURE_MISSING.format(name=name, position=index + 1))


def interleaved_parallel_calls(c: Check) -> dict | None:
    """Parallel calls sent back as FC1 + signature, FR1, FC2, FR2 (Gemini 3)."""
    # Thought signatures FAQ 2: 'If you have them interleaved as "FC1 + signature, FR1, FC2, FR2" the API
    # will return a 400 error.' — the unsigned FC2 then reads as a step with no signature.
    if not _validates_signatures(c.served):
        return None
    contents = c.contents
    for (i, first), (j, second) in itertools.pairwise(_steps(contents)):
        answers = contents[i + 1]
        only_responses = len(_parts(answers, "functionResponse")) == len(answers.get("parts") or [])
        if j == i + 2 and only_responses and _signed(first) and not _signed(second):
            return _missing_signature(j, second)
    return None


def missing_thought_signature(c: Check) -> dict | None:
    """The first functionCall of each step in the current turn carries its signature (Gemini 3)."""
    # "The first functionCall part in each step of the current turn must include its thought_signature";
    # the dummy "skip_thought_signature_validator" (or "context_engineering_is_the_way_to_go") passes
    # (ai.google.dev/gemini-api/docs/thought-signatures); the text: intrafind/ihub-apps#782 (Gemini 3).
    if not _validates_signatures(c.served):
        return None
    for index, part in _steps(c.contents):
        if not _signed(part):
            return _missing_signature(index, part)
    return None


def contents_well_formed(c: Check) -> dict | None:
    """A turn's role is `user` or `model`, and it has parts."""
    for index, content in enumerate(c.contents):
        role = content.get("role")
        if role is not None and role not in ("user", "model"):
            # "Please use a valid role: user, model." (INVALID_ARGUMENT, pasted in many public threads, e.g. a
            # `system` or `function` role sent as it is; AI Studio takes a missing role, Vertex does not).
            return _bad("Please use a valid role: user, model.")
        parts = content.get("parts")
        if isinstance(parts, list) and not parts:
            # "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty." (the Gemini API's
            # text; clients filter empty messages out because of it: lobehub/lobe-chat, vercel/ai users).
            return _bad(f"* GenerateContentRequest.contents[{index}].parts: contents.parts must not be empty.\n")
    return None


# Proto3 JSON reads `bytes` as base64, standard or URL-safe, padded or not: a length of 4n+1 cannot decode.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")


def thought_signature_base64(c: Check) -> dict | None:
    """A `thoughtSignature` is bytes: what is not base64 is refused."""
    # "Invalid value at 'contents[1].parts[0].thought_signature' (TYPE_BYTES), Base64 decoding failed for
    # \"EmIKYAERTTIPsMumWW2CIAWzb\"" (users' logs of a truncated or re-encoded signature, quoted in public
    # gateway code: a Kilo Code fix write-up, Antigravity and rig test suites).
    for index, content in enumerate(c.contents):
        for position, part in enumerate(content.get("parts") or []):
            signature = get(part, "thoughtSignature") if isinstance(part, dict) else None
            if isinstance(signature, str) and (not _BASE64.fullmatch(signature) or len(signature.rstrip("=")) % 4 == 1):
                return _bad(f"Invalid value at 'contents[{index}].parts[{position}].thought_signature' (TYPE_BYTES), "
                            f"Base64 decoding failed for \"{signature[:64]}\"")
    return None


RULES: tuple[Callable[[Check], dict | None], ...] = (
    shut_down_model,
    contents_well_formed,
    thought_signature_base64,
    thinking_level_value,
    thinking_budget_with_level,
    thinking_not_enabled,
    thinking_level_not_taken,
    thinking_budget_not_taken,
    thinking_budget_zero,
    thinking_budget_range,
    penalty_not_enabled,
    logprobs_not_enabled,
    output_tokens_over_limit,
    function_name_invalid,
    built_in_tools_without_flag,
    built_in_tools_with_functions_before_gemini_3,
    single_turn_ends_with_user,
    no_model_turn_prefill,
    function_responses_match_calls,
    interleaved_parallel_calls,
    missing_thought_signature,
)


def check(model: str, body: dict) -> dict | None:
    """Gemini's error envelope for a generateContent request it refuses, or None."""
    request = Check(model, body)
    return next((err for err in (rule(request) for rule in RULES) if err is not None), None)

