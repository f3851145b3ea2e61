"""Each model's loader, generated once from its fields, at the model's first decode.

The plan reads what :mod:`._wire` declares on each attrs field (wire key, second key, own
loader, secret) and picks each annotation's value kind once (``_kinds.kind_of``); the loader is
straight-line code per field that follows the decoding rule of :mod:`enspace_async._converter`,
so a page pays no per-field loop or lookup. A model whose ``__init__`` only stores its
attributes (no converter, validator, ``__attrs_post_init__`` or default computed from ``self``)
is built by setting its slots directly, as attrs' ``__init__`` would; any other model goes
through ``cls(**kwargs)``, so its own rules still run.
"""

from __future__ import annotations

import inspect
import linecache
import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple

import attrs

from .._config import Secret
from .._kinds import Load, Misfit, kind_of, load_int_id

__all__ = ["loader"]

_MISSING = object()


class _Step(NamedTuple):
    """One planned field: where it is on the wire, how it loads, whether it is identity."""

    field: attrs.Attribute[Any]
    key: str
    alt: str | None
    fit: Load
    identity: bool
    nullable: bool


def loader(cls: type, *, from_id: bool) -> Load:
    """Generate the loader of the registered model ``cls`` (see ``_wire.register``)."""
    steps, known = _plan(cls)
    setters = _setters(cls)
    space: dict[str, Any] = {"Misfit": Misfit, "_MISSING": _MISSING, "known": known}
    space |= {"cls": cls, "load_int_id": load_int_id, "new": object.__new__}
    lines = _head(from_id, direct=setters is not None)
    for number, step in enumerate(steps):
        space[f"fit{number}"] = step.fit
        lines += _load_step(cls, number, step, setters is not None, space)
    lines += [
        f"    if len(value) != {len(steps)} - absent:  # keys the model does not declare",
        "        rest = {k: v for k, v in value.items() if k not in known and k != second}",
        "        misfits = {**rest, **misfits} if misfits else rest",
    ]
    lines += _build(cls, len(steps), setters, space)
    return _compile(f"<generated loader of {cls.__qualname__}>", "\n".join(lines), space)


def _head(from_id: bool, *, direct: bool) -> list[str]:
    not_object = (
        'value = {"id": load_int_id(value)}' if from_id else 'raise Misfit("an object", value)'
    )
    lines = ["def load(value):", "    if type(value) is not dict:", f"        {not_object}"]
    lines += ["    get = value.get", "    misfits = None", "    absent = 0", "    second = None"]
    return lines if direct else [*lines, "    kwargs = {}"]


def _load_step(
    cls: type, number: int, step: _Step, direct: bool, space: dict[str, Any]
) -> list[str]:
    """The lines that load one field into ``v<number>`` (or ``kwargs``) by the rule."""
    field, key, wire = step.field, step.key, repr(step.key)
    target = f"v{number}" if direct else f"kwargs[{field.name!r}]"
    lines = [f"    sent = get({key!r}, _MISSING)"]
    if step.alt is not None:
        wire = "wire"  # the key the value came from, for extra and for paths
        lines += [
            f"    wire = {key!r}",
            f"    if sent is _MISSING and {step.alt!r} in value:",
            f"        sent = value[{step.alt!r}]",
            f"        wire = second = {step.alt!r}",
        ]
    if step.identity:
        missing = f"{cls.__name__}.{field.name}"
        return [
            *lines,
            "    if sent is _MISSING:",
            f"        raise Misfit({missing!r}, None, missing=True).at({'.' + key!r})",
            "    try:",
            f"        {target} = fit{number}(sent)",
            "    except Misfit as exc:",
            f"        raise exc.at('.' + {wire}) from None",
        ]
    default = f"{target} = {_default(field, str(number), space)}" if direct else "pass"
    empty = f"{target} = None" if step.nullable else default  # null, or a misfit
    return [
        *lines,
        "    if sent is _MISSING:",
        "        absent += 1",
        f"        {default}",
        "    elif sent is None:",
        f"        {empty}",
        "    else:",
        "        try:",
        f"            {target} = fit{number}(sent)",
        "        except Misfit:",
        f"            {empty}",
        "            if misfits is None:",
        "                misfits = {}",
        f"            misfits[{wire}] = sent",
    ]


def _build(
    cls: type, count: int, setters: list[Callable[[Any, Any], None]] | None, space: dict[str, Any]
) -> list[str]:
    """The lines that make the instance from the loaded values and ``misfits``."""
    if setters is None:  # attrs' __init__ runs the class's converters, defaults and hooks
        return ["    if misfits:", "        kwargs['extra'] = misfits", "    return cls(**kwargs)"]
    space |= {f"set{number}": setter for number, setter in enumerate(setters)}
    extra = _default(attrs.fields_dict(cls)["extra"], "extra", space)
    return [
        "    self = new(cls)",
        *(f"    set{number}(self, v{number})" for number in range(count)),
        f"    set{count}(self, misfits if misfits else {extra})",
        "    return self",
    ]


def _plan(cls: type) -> tuple[list[_Step], frozenset[str]]:
    hints = typing.get_type_hints(cls)
    steps: list[_Step] = []
    for field in attrs.fields(cls):
        if field.name == "extra":
            continue
        meta, tp = field.metadata, hints[field.name]
        identity = field.default is attrs.NOTHING
        nullable = type(None) in typing.get_args(tp)
        collection = typing.get_origin(tp) in (list, dict)
        if not (identity or nullable or collection):
            raise TypeError(f"{cls.__name__}.{field.name}: an optional attribute takes None")
        if nullable:  # the loader sees None before any kind does
            tp = _without_none(tp)
        fit = meta.get("load") or (
            _load_secret if meta.get("secret") else kind_of(tp, identity=identity)
        )
        key = meta.get("wire") or field.name
        steps.append(_Step(field, key, meta.get("alt"), fit, identity, nullable))
    return steps, frozenset(step.key for step in steps)


def _without_none(tp: Any) -> Any:
    rest = [a for a in typing.get_args(tp) if a is not type(None)]
    return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007


def _load_secret(value: Any) -> Secret:
    if type(value) is str:
        return Secret(value)
    raise Misfit("a string", value)


def _setters(cls: type) -> list[Callable[[Any, Any], None]] | None:
    """The slot setter of each field (``extra`` last), if storing them is all ``cls()`` does."""
    fields = sorted(attrs.fields(cls), key=lambda f: f.name == "extra")
    slots = [c.__dict__.get("__slots__") for c in cls.__mro__[:-1]]
    if (
        None in slots  # instances have a __dict__
        or {name for names in slots for name in names} - {"__weakref__"}  # type: ignore[union-attr]
        != {f.name for f in fields}  # a slot attrs fills itself (a cached hash)
        or "<attrs generated" not in cls.__init__.__code__.co_filename  # type: ignore[misc]
        or hasattr(cls, "__attrs_pre_init__")
        or hasattr(cls, "__attrs_post_init__")
        or any(f.converter or f.validator or _takes_self(f.default) for f in fields)
    ):
        return None
    descriptors = [inspect.getattr_static(cls, f.name) for f in fields]
    if not all(isinstance(d, types.MemberDescriptorType) for d in descriptors):
        return None
    return [d.__set__ for d in descriptors]


def _takes_self(default: Any) -> bool:
    return isinstance(default, attrs.Factory) and default.takes_self  # type: ignore[arg-type]


def _default(field: attrs.Attribute[Any], suffix: str, space: dict[str, Any]) -> str:
    """An expression for ``field``'s default; what it names goes into ``space``."""
    default: Any = field.default
    if not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        space[f"default{suffix}"] = default
        return f"default{suffix}"
    literal = {dict: "{}", list: "[]"}.get(default.factory)
    if literal is not None:  # the same new object, without a call
        return literal
    space[f"factory{suffix}"] = default.factory
    return f"factory{suffix}()"


def _compile(filename: str, source: str, space: dict[str, Any]) -> Load:
    exec(compile(source, filename, "exec"), space)
    # Tracebacks through a loader show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    load: Load = space["load"]
    return load
