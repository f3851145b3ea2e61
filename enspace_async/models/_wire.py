"""How each model is read and written, declared per field and registered once.

Every model is decorated with :func:`register`, which installs on the SDK's one converter a
loader following the decoding rule (see :mod:`enspace_async._converter`; generated from these
declarations by :mod:`._loader`) and a dumper. The
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

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from .._config import Secret
from .._converter import converter
from .._kinds import MODELS, Load, kind_of
from ._loader import loader

__all__ = ["register", "to_secret", "wire_field"]

C = TypeVar("C", bound=type)


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
    MODELS[cls] = lambda: loader(cls, from_id=from_id)  # at first decode: see _loader
    dumper: list[Callable[[Any], dict[str, Any]]] = []  # built at first use, like the plan

    def dump(model: Any) -> dict[str, Any]:
        if not dumper:
            dumper.append(_dumper(cls, omit_none))
        return dumper[0](model)

    # Predicates, not types: cattrs would resolve the annotations now, before the classes
    # they name exist.
    converter.register_structure_hook_func(
        lambda tp: tp is cls, lambda value, _: kind_of(cls)(value)
    )
    converter.register_unstructure_hook_func(lambda tp: tp is cls, dump)
    return cls


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
