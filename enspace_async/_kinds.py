"""The value kinds of the decoding rule (see :mod:`enspace_async._converter`).

Each kind is a plain function picked once per annotation by :func:`kind_of`: it takes a parsed
JSON value and returns it loaded, or raises :class:`Misfit`. The models' loaders
(``models._loader``) call them one per value; a misfit becomes a ``DecodeError`` at the top of a
response, or a raw value in ``extra`` below it.
"""

from __future__ import annotations

import enum
import threading
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from cattrs import BaseValidationError, transform_error

__all__ = [
    "MODELS",
    "Load",
    "Misfit",
    "kind_of",
    "load_datetime",
    "load_int_id",
    "name_of",
    "show",
]

Load = Callable[[Any], Any]
#: What builds the loader of every registered model, filled by ``models._wire.register``; it
#: runs at the model's first decode, once the classes its annotations name exist.
MODELS: dict[type, Callable[[], Load]] = {}
_EPOCH_MS = 10**11  # a larger epoch number is milliseconds (1e11 seconds is the year 5138)
_from_iso = datetime.fromisoformat


class Misfit(Exception):
    """A value that does not fit its kind; the path is collected on the way up."""

    def __init__(self, expected: str, value: Any, *, missing: bool = False, text: str = ""):
        super().__init__(expected)
        self.expected, self.value, self.missing, self.text = expected, value, missing, text
        self.steps: list[str] = []

    def __str__(self) -> str:
        return self.describe()[0]

    def at(self, step: str) -> Misfit:
        """Record that the misfit is inside ``step`` (``.id``, ``[3]``) and return it."""
        self.steps.append(step)
        return self

    def describe(self) -> tuple[str, str]:
        """The message and the ``$…`` path."""
        path = "$" + "".join(reversed(self.steps))
        if self.text:
            return self.text, path
        if self.missing:
            return f"{self.expected} is required but missing", path
        return f"expected {self.expected}, got {show(self.value)}", path


def show(value: Any) -> str:
    """A value as JSON text, cut to 60 characters (for messages)."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


# --- value kinds: each takes a JSON value and returns it loaded, or raises Misfit -------------


def _exact(*kinds: type, name: str) -> Load:
    allowed = frozenset(kinds)
    if len(allowed) == 1:
        (only,) = allowed

        def load_one(value: Any) -> Any:
            if type(value) is only:
                return value
            raise Misfit(name, value)

        return load_one

    def load(value: Any) -> Any:
        if type(value) in allowed:
            return value
        raise Misfit(name, value)

    return load


_SCALARS: dict[Any, tuple[tuple[type, ...], str]] = {
    str: ((str,), "a string"),
    int: ((int,), "an integer"),
    float: ((int, float), "a number"),
    bool: ((bool,), "a boolean"),
    Decimal: ((int, float, Decimal), "a number"),
}


def load_int_id(value: Any) -> int:
    """An integer identity: an int, or a string of ASCII digits."""
    if type(value) is int:
        return value
    if type(value) is str and value.isascii() and value.isdigit():
        return int(value)
    raise Misfit("an integer id", value)


def _load_str_key(value: Any) -> str:
    if type(value) is str and value:
        return value
    if type(value) is int:
        return str(value)
    raise Misfit("a non-empty string", value)


def load_datetime(value: Any) -> datetime:
    """ISO-8601 text or an epoch number (seconds, or milliseconds) as an aware UTC datetime."""
    if type(value) is str:
        try:
            parsed = _from_iso(value)
        except ValueError:
            raise Misfit("an ISO-8601 timestamp", value) from None
        if parsed.tzinfo is UTC:  # the wire form, "…Z": already what we return
            return parsed
    elif type(value) in (int, float):
        seconds = value / 1000 if abs(value) > _EPOCH_MS else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise Misfit("a timestamp", value) from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise Misfit("a timestamp", value)
    zone = parsed.tzinfo
    if zone is UTC:
        return parsed
    return parsed.replace(tzinfo=UTC) if zone is None else parsed.astimezone(UTC)


def _load_object(value: Any) -> dict[str, Any]:
    # Kept, not copied: the parsed body belongs to this decode alone (``Item.data`` of a page
    # is the dict orjson built), and JSON object keys are strings already.
    if type(value) is dict:
        return value
    raise Misfit("an object", value)


def _load_anything(value: Any) -> Any:
    return value


def _list_of(item: Load) -> Load:
    if item is _load_anything:
        return lambda value: list(value) if type(value) is list else _raise("a list", value)

    def load(value: Any) -> list[Any]:
        if type(value) is not list:
            raise Misfit("a list", value)
        result = []
        for index, element in enumerate(value):
            try:
                result.append(item(element))
            except Misfit as exc:
                raise exc.at(f"[{index}]") from None
        return result

    return load


def _dict_of(item: Load) -> Load:
    if item is _load_anything:
        return _load_object

    def load(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise Misfit("an object", value)
        result = {}
        for key, element in value.items():
            try:
                result[key] = item(element)
            except Misfit as exc:
                raise exc.at(f".{key}") from None
        return result

    return load


def _relation(model: Load, *, keeps_strings: bool) -> Load:
    def load(value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return model(value)
        if kind is int:
            return value
        if kind is str:
            if value.isascii() and value.isdigit():
                return int(value)
            if keeps_strings and value:
                return value
        raise Misfit("an id or an object", value)

    return load


def _open_enum(kind: type[enum.Enum]) -> Load:
    members = {m.value: m for m in kind}

    def load(value: Any) -> Any:
        if type(value) is str:
            return members.get(value, value)
        raise Misfit("a string", value)

    return load


def _closed_enum(kind: type[enum.Enum]) -> Load:
    members = {m.value: m for m in kind}

    def load(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            raise Misfit(f"one of {sorted(members)}", value) from None

    return load


def _optional(inner: Load) -> Load:
    return lambda value: None if value is None else inner(value)


def _raise(expected: str, value: Any) -> Any:
    raise Misfit(expected, value)


def _fallback(tp: Any) -> Load:
    """A type the SDK does not model: cattrs structures it, its errors become misfits."""

    from ._converter import converter  # the one converter imports this module

    def load(value: Any) -> Any:
        try:
            return converter.structure(value, tp)
        except (BaseValidationError, ValueError, TypeError, KeyError) as exc:
            message, path = _cattrs_message(exc)
            raise Misfit(name_of(tp), value, text=message).at(path[1:]) from None

    return load


_KINDS: dict[Any, Load] = {}
_IDENTITIES: dict[Any, Load] = {int: load_int_id, str: _load_str_key}
# One thread builds loaders at a time (re-entrant: a model's loader builds its fields').
_BUILDING = threading.RLock()


def kind_of(tp: Any, *, identity: bool = False) -> Load:
    """Return the loader of the annotation ``tp`` (an identity is strict, see rule 1)."""
    if identity and tp in _IDENTITIES:
        return _IDENTITIES[tp]
    found = _KINDS.get(tp)
    if found is None:
        with _BUILDING:
            found = _KINDS.get(tp)
            if found is None:
                found = _KINDS[tp] = _build(tp)
    return found


def _build(tp: Any) -> Load:
    if tp in _SCALARS:
        kinds, name = _SCALARS[tp]
        return _exact(*kinds, name=name)
    if tp is Any or tp is object:
        return _load_anything
    if tp is datetime:
        return load_datetime
    if isinstance(tp, type) and tp in MODELS:
        return _model(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _closed_enum(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list or tp is list:
        return _list_of(kind_of(args[0]) if args else _load_anything)
    if origin is dict or tp is dict:
        return _dict_of(kind_of(args[1]) if args else _load_anything)
    if origin in (typing.Union, types.UnionType):
        return _union(tp, args)
    return _fallback(tp)


def _model(tp: type) -> Load:
    # Models that name each other (a role's permissions, a permission's role) meet, while one
    # is being built, a stand-in that calls it once built; a thread that reaches the stand-in
    # first waits for the builder (and, had that failed, raises the same error itself).
    built: list[Load] = []

    def stand_in(value: Any) -> Any:
        if not built:
            with _BUILDING:
                pass
        return (built[0] if built else kind_of(tp))(value)

    _KINDS[tp] = stand_in
    try:
        built.append(MODELS[tp]())
    finally:
        del _KINDS[tp]
    return built[0]


def _union(tp: Any, args: tuple[Any, ...]) -> Load:
    present = [a for a in args if a is not types.NoneType]
    optional = len(present) < len(args)
    if len(present) == 1:
        inner = kind_of(present[0])
    elif models := [a for a in present if isinstance(a, type) and a in MODELS]:
        inner = _relation(kind_of(models[0]), keeps_strings=str in present)
    elif str in present and any(isinstance(a, type) and issubclass(a, enum.Enum) for a in present):
        inner = _open_enum(next(a for a in present if a is not str))
    elif all(a in _SCALARS for a in present):
        kinds = tuple(k for a in present for k in _SCALARS[a][0])
        inner = _exact(*kinds, name=" or ".join(_SCALARS[a][1] for a in present))
    else:
        return _fallback(tp)
    return _optional(inner) if optional else inner


def _cattrs_message(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, BaseValidationError):
        first = transform_error(exc)[0]
        message, _, path = first.rpartition(" @ ")
        return message or first, path or "$"
    return str(exc), "$"


def name_of(tp: Any) -> str:
    """A type's name for messages."""
    return getattr(tp, "__name__", None) or str(tp)
