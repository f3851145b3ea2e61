"""How each model is read and written, declared per field and registered once.

Every model is decorated with :func:`register`, which installs on the SDK's one converter a
loader following the decoding rule (see :mod:`enspace_async._converter`) and a dumper. The
attributes a model declares without a default are its identity; the others are optional.
Per-field declarations, where a model differs from the plain rule:

- ``wire_field("originalValue", ...)``: a snake_case attribute read from and written as a
  camelCase key (integration configs, :class:`Currency`).
- ``wire_field(alt="slug")``: read from a second key when the first is absent
  (``Field.refId`` from ``slug``); always written under the first.
- ``wire_field(load=fn)``: a loader of its own for a value of several documented shapes
  (``Field.options``: a list, or ``{"choices": [...]}``).
- ``wire_field(read_only=True)``: read from responses, never written (``Relation.display``).
- ``attrs.field(converter=to_secret, metadata={"secret": True})``: a
  :class:`~enspace_async._config.Secret`, loaded from a string and written revealed, so it only
  ever shows itself on the wire. (Declared inline so that mypy sees the converter.)
- ``extra`` (a ``dict``, on every model): the keys the model does not declare, and the raw
  value of each declared key that did not fit; written back at the top level on dump, unless
  declared ``read_only``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from .._config import Secret
from .._converter import converter
from .._kinds import MODELS, Load, Misfit, kind_of, load_int_id

__all__ = ["register", "to_secret", "wire_field"]

C = TypeVar("C", bound=type)
_MISSING = object()
# One planned field: wire key, second key, attribute, loader, is identity, takes None.
_Step = tuple[str, str | None, str, Load, bool, bool]


def wire_field(
    wire: str | None = None,
    *,
    alt: str | None = None,
    load: Load | None = None,
    read_only: bool = False,
    **kwargs: Any,
) -> Any:
    """An ``attrs.field`` with a wire name, a second wire key, its own loader, or read-only."""
    metadata = {"wire": wire, "alt": alt, "load": load, "read_only": read_only}
    return attrs.field(metadata=metadata, **kwargs)


def to_secret(value: str | Secret | None) -> Secret | None:
    """Wrap a plain string as a :class:`Secret` (``None`` and secrets pass through)."""
    return Secret(value) if isinstance(value, str) else value


def _reveal(value: Secret | None) -> str | None:
    return None if value is None else value.reveal()


def _load_secret(value: Any) -> Secret:
    if type(value) is str:
        return Secret(value)
    raise Misfit("a string", value)


@overload
def register(cls: C, *, omit_none: bool = False, from_id: bool = False) -> C: ...
@overload
def register(
    cls: None = None, *, omit_none: bool = False, from_id: bool = False
) -> Callable[[C], C]: ...
def register(
    cls: C | None = None, *, omit_none: bool = False, from_id: bool = False
) -> C | Callable[[C], C]:
    """Install ``cls``'s loader and dumper; a class decorator, with or without arguments.

    Args:
        cls: a frozen attrs model with an ``extra`` dict.
        omit_none: leave attributes that hold their default out of the dumped JSON.
        from_id: a bare id (``43887`` or ``"43887"``) also loads, as the model with that id.
    """
    if cls is None:
        return lambda c: register(c, omit_none=omit_none, from_id=from_id)
    if "extra" not in attrs.fields_dict(cls):
        raise TypeError(f"{cls.__name__} needs an extra dict: unknown keys must be kept")
    load = _loader(cls, from_id)
    MODELS[cls] = load
    dumper: list[Callable[[Any], dict[str, Any]]] = []  # built at first use, like the plan

    def dump(model: Any) -> dict[str, Any]:
        if not dumper:
            dumper.append(_dumper(cls, omit_none))
        return dumper[0](model)

    # Predicates, not types: cattrs would resolve the annotations now, before the classes
    # they name exist.
    converter.register_structure_hook_func(lambda tp: tp is cls, lambda value, _: load(value))
    converter.register_unstructure_hook_func(lambda tp: tp is cls, dump)
    return cls


def _loader(cls: type, from_id: bool) -> Load:
    plan: list[Any] = []  # built at first use: the annotations name classes defined later

    def load(value: Any) -> Any:
        if type(value) is not dict:
            if not from_id:
                raise Misfit("an object", value)
            value = {"id": load_int_id(value)}
        if not plan:
            plan.extend(_plan(cls))
        steps, known = plan
        kwargs: dict[str, Any] = {}
        misfits: dict[str, Any] | None = None
        absent, second = 0, None
        get = value.get
        for key, alt, name, fit, identity, nullable in steps:
            sent = get(key, _MISSING)
            if sent is _MISSING:
                if alt is not None and alt in value:
                    sent, key = value[alt], alt
                    second = alt
                elif identity:
                    raise Misfit(f"{cls.__name__}.{name}", None, missing=True).at(f".{key}")
                else:
                    absent += 1
                    continue
            if sent is None and not identity:
                if nullable:
                    kwargs[name] = None
                continue
            try:
                kwargs[name] = fit(sent)
            except Misfit as exc:
                if identity:
                    raise exc.at(f".{key}") from None
                if nullable:
                    kwargs[name] = None
                if misfits is None:
                    misfits = {}
                misfits[key] = sent
        if len(steps) - absent != len(value):  # keys the model does not declare
            rest = {k: v for k, v in value.items() if k not in known and k != second}
            misfits = {**rest, **(misfits or {})}
        if misfits:
            kwargs["extra"] = misfits
        return cls(**kwargs)

    return load


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
        if nullable:  # the loader below sees None before any kind does
            tp = _without_none(tp)
        fit = meta.get("load") or (
            _load_secret if meta.get("secret") else kind_of(tp, identity=identity)
        )
        key = meta.get("wire") or field.name
        steps.append((key, meta.get("alt"), field.name, fit, identity, nullable))
    return steps, frozenset(key for key, *_ in steps)


def _without_none(tp: Any) -> Any:
    rest = [a for a in typing.get_args(tp) if a is not type(None)]
    return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007


def _dumper(cls: type, omit_none: bool) -> Callable[[Any], dict[str, Any]]:
    overrides: dict[str, Any] = {}
    for field in attrs.fields(cls):
        meta = field.metadata
        if field.name == "extra" or meta.get("read_only"):
            overrides[field.name] = override(omit=True)
        elif meta.get("secret"):
            overrides[field.name] = override(unstruct_hook=_reveal)
        elif meta.get("wire"):
            overrides[field.name] = override(rename=meta["wire"])
    dump: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls, converter, _cattrs_omit_if_default=omit_none, **overrides
    )
    if attrs.fields_dict(cls)["extra"].metadata.get("read_only"):
        return dump
    declared = {f.metadata.get("wire") or f.name: f for f in attrs.fields(cls)}

    def dump_extra(model: Any) -> dict[str, Any]:
        result: dict[str, Any] = dump(model)
        extra: Mapping[str, Any] = model.extra
        for key, raw in extra.items():
            field = declared.get(key)
            if field is None or _holds_default(model, field):
                result[key] = converter.unstructure(raw)
        return result

    return dump_extra


def _holds_default(model: Any, field: attrs.Attribute[Any]) -> bool:
    """Whether the attribute is as a misfit left it: ``None``, or its default."""
    value, default = getattr(model, field.name), field.default
    if value is None:
        return True
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Any = default
        default = factory.factory(model) if factory.takes_self else factory.factory()
    return bool(value == default)
