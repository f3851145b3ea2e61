"""Item ``data`` checked against the type's fields; messages name ``data.<refId>``.

The kinds, required flags and options follow the SDK's own rule (:mod:`enspace_async._schema`):
what ``TypeSchema.validate`` refuses locally is what the emulator refuses. On top of it, only
what needs the server's state: a relation must name an item that exists.
"""

from __future__ import annotations

from typing import Any

import orjson

from .._converter import structure
from .._schema import TypeSchema
from ..models import Field
from ._state import EmulatedWorkspace, TypeState
from ._store import Row

__all__ = ["validate_data"]

_RELATIONS = ("EnRel", "EnRelMulti")
_CACHE_SIZE = 64
# Schemas by the exact text of their field rows: a field changed in place is a new key.
_schemas: dict[bytes, TypeSchema] = {}


def schema_of(state: TypeState) -> TypeSchema:
    """The schema of a type as its stored field rows describe it."""
    rows = state.fields.rows
    key = state.row["slug"].encode() + b"\0" + orjson.dumps(rows)
    schema = _schemas.get(key)
    if schema is None:
        if len(_schemas) >= _CACHE_SIZE:
            _schemas.clear()
        schema = _schemas[key] = TypeSchema.of(state.row["slug"], structure(rows, list[Field]))
    return schema


def _unknown_targets(value: Any, kind: str, ws: EmulatedWorkspace) -> str | None:
    links = value if kind == "EnRelMulti" else [value]
    for link in links:
        reference = link.get("reference")
        if reference is not None and reference not in ws.references:
            return f"refers to an unknown item {reference!r}"
    return None


def validate_data(
    data: Any, state: TypeState, ws: EmulatedWorkspace, *, partial: bool
) -> tuple[dict[str, Any], list[str]]:
    """Return ``data`` with relations expanded, and the list of what is wrong with it."""
    if not isinstance(data, dict):
        return {}, ["data must be an object"]
    schema = schema_of(state)
    problems = schema.validate(data, partial=partial)
    errors = [f"data.{p.ref_id} {p.message}" for p in problems]
    wrong = {p.ref_id for p in problems}
    result: dict[str, Any] = {}
    for ref_id, value in data.items():
        field = schema.field(ref_id)
        if field is None:
            continue
        linked = field.kind in _RELATIONS and value is not None and ref_id not in wrong
        if linked and (problem := _unknown_targets(value, field.kind, ws)) is not None:
            errors.append(f"data.{ref_id} {problem}")
        result[ref_id] = _expand(value, field.kind, ws)
    return result, errors


def _expand(value: Any, kind: str, ws: EmulatedWorkspace) -> Any:
    if kind == "EnRel" and isinstance(value, dict):
        return _expand_one(value, ws)
    if kind == "EnRelMulti" and isinstance(value, list):
        return [_expand_one(v, ws) for v in value]
    return value


def _expand_one(value: Any, ws: EmulatedWorkspace) -> Any:
    if not isinstance(value, dict):  # refused already: nothing to expand
        return value
    target = ws.references.get(value.get("reference", ""))
    if target is None:
        return value
    return {"id": target["id"], "display": _display(target), "reference": target["reference"]}


def _display(item: Row) -> str:
    text = next((v for v in item["data"].values() if isinstance(v, str) and v), None)
    return text or str(item["reference"])
