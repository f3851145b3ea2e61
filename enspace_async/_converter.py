"""The one cattrs converter: every body the SDK reads or writes goes through here.

It is cattrs' orjson converter with a few hooks registered at import: timestamps load as aware
UTC datetimes and dump as ``2026-03-12T19:30:37.716Z``; "open" enums (``FieldType | str``) keep
values they do not know as plain strings; unknown keys are ignored. Detailed validation stays
on, because its field paths become the :class:`DecodeError` messages.
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import orjson
from cattrs import BaseValidationError, transform_error
from cattrs.preconf.orjson import make_converter

from ._errors import DecodeError, excerpt

__all__ = ["converter", "decode", "dumps", "loads", "structure", "unstructure"]

T = TypeVar("T")

converter = make_converter(detailed_validation=True, forbid_extra_keys=False)


def _load_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, str):  # the wire form first: it is nearly always a string
        parsed = datetime.fromisoformat(value)
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value, UTC)
    else:
        parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Return ``value`` as the API writes timestamps: UTC, milliseconds, ``Z``."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}Z"


def _is_open_enum(tp: Any) -> bool:
    # ``Enum | str``, optionally ``| None``.
    args = [a for a in typing.get_args(tp) if a is not types.NoneType]
    if typing.get_origin(tp) not in (typing.Union, types.UnionType) or len(args) != 2:
        return False
    kinds = {a for a in args if isinstance(a, type)}
    return str in kinds and any(issubclass(a, enum.Enum) for a in kinds if a is not str)


def _open_enum_hook(tp: Any) -> Any:
    enum_type = next(a for a in typing.get_args(tp) if a not in (str, types.NoneType))
    optional = types.NoneType in typing.get_args(tp)

    def load(value: Any, _: type) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {type(value).__name__}")
        try:
            return enum_type(value)
        except ValueError:
            return value

    return load


def _is_json_object(tp: Any) -> bool:
    return bool(tp == dict[str, Any])


def _load_json_object(value: Any, _: type) -> dict[str, Any]:
    # JSON object keys are always strings and values stay as parsed: a C-level copy instead
    # of cattrs' key-by-key loop (the largest single cost of decoding an item page).
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return dict(value)


def _is_optional_datetime(tp: Any) -> bool:
    return bool(tp == datetime | None)


def _load_optional_datetime(value: Any, _: type) -> datetime | None:
    # Every model has optional timestamps: one direct hook instead of cattrs' generic
    # Optional handling, which looks up the inner type's hook again on every value.
    return None if value is None else _load_datetime(value, datetime)


converter.register_structure_hook(datetime, _load_datetime)
converter.register_structure_hook_func(_is_optional_datetime, _load_optional_datetime)
converter.register_structure_hook_func(_is_json_object, _load_json_object)
converter.register_unstructure_hook(datetime, format_datetime)
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook_factory(_is_open_enum, _open_enum_hook)
converter.register_unstructure_hook_func(
    _is_open_enum, lambda v: v.value if isinstance(v, enum.Enum) else v
)


def loads(content: bytes) -> Any:
    """Parse a JSON body.

    Raises:
        DecodeError: the body is not JSON.
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(
            f"response is not valid JSON ({exc.msg})", excerpt=excerpt(content)
        ) from exc


def structure(value: Any, into: Any) -> Any:
    """Turn parsed JSON into ``into`` (a model, ``list[Model]``, ``int``…).

    Raises:
        DecodeError: the value does not fit; its ``path`` says where.
    """
    try:
        return converter.structure(value, into)
    except (BaseValidationError, ValueError, TypeError, KeyError) as exc:
        message, path = _describe(exc)
        raise DecodeError(
            f"response does not fit {_name(into)}: {message}", path=path, excerpt=_peek(value)
        ) from exc


def decode(content: bytes, into: Any) -> Any:
    """Parse a body and structure it into ``into``."""
    return structure(loads(content), into)


def unstructure(value: Any) -> Any:
    """Turn models, enums and datetimes into plain JSON values."""
    return converter.unstructure(value)


def dumps(value: Any) -> bytes:
    """Encode a value (models allowed) as JSON bytes."""
    return orjson.dumps(converter.unstructure(value))


def _describe(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, BaseValidationError):
        first = transform_error(exc)[0]
        message, _, path = first.rpartition(" @ ")
        return message or first, path or "$"
    return str(exc), "$"


def _peek(value: Any) -> str:
    try:
        return excerpt(orjson.dumps(value, default=str))
    except TypeError:  # pragma: no cover - default=str makes everything encodable
        return ""


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)
