"""Subscribe-message templates as WeChat defines them: typed keyword keys, each type with its rules.

A template's keys are a type and a number (`thing1`, `time2`, `phrase5`, …), chosen when the
template is added to the mini-program. Each event's template is configured with which of Linli's
fields fills which key; the mapping is checked against the type rules when the app starts.
Pure module (no Flask): config.py, the sandbox and the outbox all read these rules from here.
"""
import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyType:
    # The longest value WeChat accepts (None: no limit of its own).
    max_length: int | None
    # The pattern a value must match in full (None: any text).
    pattern: re.Pattern | None = None


# WeChat's keyword types (subscribe messages): limits and patterns as WeChat documents them.
KEY_TYPES = {
    "thing": KeyType(20),
    "phrase": KeyType(5),
    "name": KeyType(10),
    "character_string": KeyType(32, re.compile(r"[\x21-\x7e]+")),
    "number": KeyType(32, re.compile(r"\d+(\.\d+)?")),
    "letter": KeyType(32, re.compile(r"[A-Za-z]+")),
    "symbol": KeyType(5, re.compile(r"[^\w\s]+")),
    "amount": KeyType(11, re.compile(r"[¥$€£]?\d+(\.\d+)?元?")),
    "phone_number": KeyType(17, re.compile(r"[\d+\-() ]+")),
    "car_number": KeyType(8),
    "time": KeyType(None),
    "date": KeyType(None),
}
TEMPLATE_KEY = re.compile(r"([a-z_]+?)(\d+)")

# Linli's fields a template key may show, and the key types each fits.
FIELD_TYPES = {
    "title": ("thing",),  # the notification's title, e.g. 有新的服务需求
    "body": ("thing",),  # its one-line detail
    "event": ("thing",),  # the event's template title from config.NOTIFICATION_EVENTS
    "status": ("phrase", "thing"),  # the event's short status phrase, e.g. 已接单 (at most 5 characters)
    "created_at": ("time", "date"),  # when it happened, local time
    "reference": ("character_string", "number"),  # the notification's number
}
# The mapping every event had before templates were configured per event.
DEFAULT_KEYS = {"thing1": "title", "thing2": "body", "phrase3": "status", "time4": "created_at"}

MINIPROGRAM_STATES = ("developer", "trial", "formal")
LANGUAGES = ("zh_CN", "en_US", "zh_HK", "zh_TW")


class TemplateMappingError(ValueError):
    """A template mapping names a key or a field WeChat or Linli does not have."""


def key_type(key: str) -> str:
    """The type of a template key (`thing1` → `thing`); TemplateMappingError for a malformed one."""
    match = TEMPLATE_KEY.fullmatch(key)
    if match is None or match.group(1) not in KEY_TYPES:
        raise TemplateMappingError(f"{key!r} is not a WeChat template key (type + number, e.g. thing1)")
    return match.group(1)


def check_mapping(event: str, mapping: dict) -> dict:
    """The mapping {key: Linli field} when every key fits its field's type; TemplateMappingError otherwise."""
    if not isinstance(mapping, dict) or not mapping:
        raise TemplateMappingError(f"{event}: the mapping must be a non-empty object {{key: field}}")
    for key, field in mapping.items():
        kind = key_type(key)
        if field not in FIELD_TYPES:
            raise TemplateMappingError(f"{event}.{key}: unknown Linli field {field!r} (one of {sorted(FIELD_TYPES)})")
        if kind not in FIELD_TYPES[field]:
            raise TemplateMappingError(
                f"{event}.{key}: the field {field!r} cannot fill a {kind!r} key (it fits {FIELD_TYPES[field]})"
            )
    return dict(mapping)


def parse_mappings(text: str, events) -> dict:
    """WECHAT_TEMPLATE_KEYS (JSON {event: {key: field}}) checked; events not named keep DEFAULT_KEYS."""
    try:
        given = json.loads(text) if text else {}
    except json.JSONDecodeError as error:
        raise TemplateMappingError(f"WECHAT_TEMPLATE_KEYS is not JSON: {error}") from error
    if not isinstance(given, dict):
        raise TemplateMappingError("WECHAT_TEMPLATE_KEYS must be a JSON object {event: {key: field}}")
    unknown = sorted(set(given) - set(events))
    if unknown:
        raise TemplateMappingError(f"WECHAT_TEMPLATE_KEYS names unknown events: {unknown}")
    return {event: check_mapping(event, given.get(event, DEFAULT_KEYS)) for event in events}


def value_problem(key: str, value) -> str | None:
    """Why WeChat would refuse `value` for `key` (47003), or None when it fits."""
    if not isinstance(value, str) or not value:
        return "empty"
    try:
        rule = KEY_TYPES[key_type(key)]
    except TemplateMappingError:
        return "not a template key"
    if rule.max_length is not None and len(value) > rule.max_length:
        return "exceeds limit"
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        return "invalid"
    return None


def keys_in_content(content: str) -> list[str]:
    """The keys of a template as WeChat lists it: `{{thing1.DATA}}` → thing1."""
    return re.findall(r"\{\{\s*([a-z_]+\d+)\.DATA\s*\}\}", content or "")
