"""The one converter: every body the SDK reads or writes goes through here.

The ENSPACE reference is "in development": a model stricter than the server makes a whole
route unusable, a model looser than it invents data. So every response decodes by one rule:

1. **Only identity is required**: the attributes a model declares without a default (``id``;
   ``Item.reference``, ``ItemType.slug``, ``Field.refId``; the parts a value kind such as
   :class:`~enspace_async.models.Currency` cannot lack). Identity is strict. An integer id is
   an ``int`` or a string of digits (``"42"`` → 42); ``null``, ``true``, ``1.5``, ``""`` or
   ``"ws-123"`` raise :class:`DecodeError` with a path and the value (``$[3].id``: got true).
   A string identity is a non-empty string (an integer is taken as its digits: the docs show
   the workspace id as ``"123"``). A number identity is an int or a float.
2. **Everything else is optional**: absent → the attribute's default; ``null`` → ``None``
   (collections: empty).
3. **A value loads only as what it is, never coerced**: ``5`` is not a string, ``true`` not an
   int, ``"3"`` not an int, an object not its repr. A relation (``Model | int``) takes an id, a
   numeric string, an object or ``null``; one that also admits ``str`` keeps other strings
   (an item's reference). Timestamps are ISO-8601 (``Z``, offsets, date-only) or epoch
   seconds or milliseconds, and load as aware UTC datetimes.
4. **Nothing is lost**: a value that does not fit (an unparseable timestamp, ``{}`` where a
   user belongs, a nested object without its identity) leaves the attribute ``None`` (a
   collection empty) and is kept raw in the model's ``extra`` under its wire key, with every
   key the model does not declare. Dumping a model writes ``extra`` back, each raw value only
   where the attribute is still ``None`` or its default, so a read-modify-write sends what the
   server sent.
5. **Lists are whole**: a nested list in which one element does not fit is kept raw as a
   whole. At the top of a response, a row without its identity raises a :class:`DecodeError`
   naming ``$[N]``; ``error.rows`` holds the page with ``None`` in place of each bad row.
6. **Writing**: models dump with their wire keys; ``Decimal`` is sent with its exact digits;
   a value JSON cannot hold is a :class:`ConfigurationError`, before anything is sent.

Every model registers at import (``models._wire.register``) and gets, at its first decode, a
loader generated from its fields (``models._loader``); the value kinds
(:mod:`enspace_async._kinds`) are plain functions picked once per annotation, so decoding a
page is one call per value. Types the SDK does not model (``client.request(into=MyClass)``) go
through cattrs, with the same timestamp and open-enum kinds.
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from cattrs.preconf.orjson import make_converter

from ._errors import ConfigurationError, DecodeError, excerpt
from ._kinds import Load, Misfit, kind_of, load_datetime, name_of, show

__all__ = [
    "converter",
    "decode",
    "dumps",
    "format_datetime",
    "loads",
    "show",
    "structure",
    "unstructure",
]

converter = make_converter(detailed_validation=True, forbid_extra_keys=False)


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
    """Turn parsed JSON into ``into`` (a model, ``list[Model]``, ``int``…) by the rule above.

    Raises:
        DecodeError: an identity is broken (or the value is not of ``into`` at all); its
            ``path`` names the place and its message the value. For a list, ``rows`` holds
            the rows that decoded, ``None`` in place of each that did not.
    """
    load = kind_of(into)
    try:
        return load(value)
    except Misfit as exc:
        message, path = exc.describe()
        error = DecodeError(
            f"response does not fit {name_of(into)}: {message}", path=path, excerpt=_peek(value)
        )
        if typing.get_origin(into) is list and type(value) is list:
            error.rows = _rows(kind_of(typing.get_args(into)[0]), value)
        raise error from None


def _rows(load: Load, rows: list[Any]) -> list[Any]:
    result = []
    for row in rows:
        try:
            result.append(load(row))
        except Misfit:
            result.append(None)
    return result


def decode(content: bytes, into: Any) -> Any:
    """Parse a body and structure it into ``into``."""
    return structure(loads(content), into)


def unstructure(value: Any) -> Any:
    """Turn models, enums and datetimes into plain JSON values (``Decimal`` stays one)."""
    return converter.unstructure(value)


def dumps(value: Any) -> bytes:
    """Encode a value (models allowed) as JSON bytes; a ``Decimal`` keeps its exact digits.

    Raises:
        ConfigurationError: a value JSON cannot hold (an unknown type, a non-finite number).
    """
    try:
        return orjson.dumps(converter.unstructure(value), default=_encode_other)
    except TypeError as exc:
        problem = str(exc)  # orjson names the type only, never the value
    # Raised outside the except block: no chain to print.
    raise ConfigurationError(
        f"cannot send this value as JSON ({problem}); JSON holds strings, numbers, booleans, "
        "None, lists, dicts, datetimes, models and finite Decimals"
    )


def _encode_other(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    raise TypeError


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


# Classes the SDK does not register go through cattrs: give it the same value kinds.
converter.register_structure_hook(datetime, lambda v, _: load_datetime(v))
converter.register_structure_hook_factory(_is_open_enum, lambda tp: lambda v, _: kind_of(tp)(v))
converter.register_unstructure_hook(datetime, format_datetime)
converter.register_unstructure_hook(date, date.isoformat)
converter.register_unstructure_hook_func(
    _is_open_enum, lambda v: v.value if isinstance(v, enum.Enum) else v
)


def _peek(value: Any) -> str:
    try:
        return excerpt(orjson.dumps(value, default=str))
    except TypeError:  # pragma: no cover - default=str makes everything encodable
        return ""
