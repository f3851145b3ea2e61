"""How a few models differ from their wire form, declared per field and registered once.

Most models need nothing here: their attribute names are the wire names. The exceptions:

- ``wire_field("originalValue", ...)``: a snake_case attribute read from and written as a
  camelCase key (integration configs, :class:`Currency`).
- ``wire_field(..., read_only=True)``: read from responses, never written (``Relation.display``).
- ``attrs.field(converter=to_secret, metadata={"secret": True})``: a
  :class:`~enspace_async._config.Secret`, loaded from a string and written revealed, so it only
  ever shows itself on the wire. (Declared inline so that mypy sees the converter.)
- A field named ``extra`` (a ``dict``): every key the model does not declare is kept there on
  load and written back at the top level on dump, so a round trip loses nothing.

:func:`register` installs the matching hooks on the SDK's one converter at import of the
module that defines the class, so the hooks exist wherever the class can be reached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .._config import Secret
from .._converter import converter

__all__ = ["register", "to_secret", "wire_field"]

C = TypeVar("C", bound=type)


def wire_field(wire: str | None = None, *, read_only: bool = False, **kwargs: Any) -> Any:
    """An ``attrs.field`` with a wire name, or read-only (loaded, never dumped)."""
    return attrs.field(metadata={"wire": wire, "read_only": read_only}, **kwargs)


def to_secret(value: str | Secret | None) -> Secret | None:
    """Wrap a plain string as a :class:`Secret` (``None`` and secrets pass through)."""
    return Secret(value) if isinstance(value, str) else value


def _reveal(value: Secret | None) -> str | None:
    return None if value is None else value.reveal()


def _overrides(cls: type, *, writing: bool) -> dict[str, Any]:
    result = {}
    for field in attrs.fields(cls):
        meta = field.metadata
        if field.name == "extra" or (writing and meta.get("read_only")):
            result[field.name] = override(omit=True)
        elif meta.get("secret"):
            hook = (
                override(unstruct_hook=_reveal) if writing else override(struct_hook=_load_secret)
            )
            result[field.name] = hook
        elif meta.get("wire"):
            result[field.name] = override(rename=meta["wire"])
    return result


def _load_secret(value: Any, _: Any) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return Secret(value)


@overload
def register(cls: C, *, omit_none: bool = False) -> C: ...
@overload
def register(cls: None = None, *, omit_none: bool = False) -> Callable[[C], C]: ...
def register(cls: C | None = None, *, omit_none: bool = False) -> C | Callable[[C], C]:
    """Install ``cls``'s structure and unstructure hooks; a class decorator, with or without
    arguments.

    Args:
        cls: a frozen attrs model.
        omit_none: leave attributes that hold their default out of the dumped JSON.
    """
    if cls is None:
        return lambda c: register(c, omit_none=omit_none)
    load: Any = make_dict_structure_fn(cls, converter, **_overrides(cls, writing=False))
    dump: Any = make_dict_unstructure_fn(
        cls, converter, _cattrs_omit_if_default=omit_none, **_overrides(cls, writing=True)
    )
    if "extra" in attrs.fields_dict(cls):
        load, dump = _with_extra(cls, load, dump)
    converter.register_structure_hook(cls, load)
    converter.register_unstructure_hook(cls, dump)
    return cls


def _with_extra(cls: type, load: Any, dump: Any) -> tuple[Any, Any]:
    known = {f.metadata.get("wire") or f.name for f in attrs.fields(cls)} - {"extra"}

    def load_extra(value: Any, tp: Any) -> Any:
        model = load(value, tp)
        rest = {k: v for k, v in value.items() if k not in known}
        return attrs.evolve(model, extra=rest) if rest else model

    def dump_extra(model: Any) -> dict[str, Any]:
        extra: Mapping[str, Any] = model.extra
        return {**converter.unstructure(dict(extra)), **dump(model)}

    return load_extra, dump_extra
