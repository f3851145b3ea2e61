"""Items: data validated against the type's fields, references, merged updates."""

from __future__ import annotations

import re
from typing import Any

from .._context import Ctx, handles
from .._problems import Problem, invalid
from .._state import EmulatedWorkspace, TypeState
from .._store import Row, later
from .._validate import validate_data
from ._common import count_rows, list_rows

__all__ = ["add_item", "new_reference"]

_STATUSES = ("active", "inactive", "archived")


def new_reference(ws: EmulatedWorkspace, state: TypeState, ident: int, rng_bits: int) -> str:
    """Return a fresh reference: three letters of the type slug and uppercase hex."""
    prefix = (re.sub(r"[^A-Za-z]", "", state.row["slug"]).upper() + "XXX")[:3]
    reference = f"{prefix}{rng_bits:08X}{ident:X}"
    while reference in ws.references:
        reference = f"{prefix}{rng_bits:08X}{ident:X}{len(ws.references):X}"
    return reference


def add_item(
    ws: EmulatedWorkspace, state: TypeState, data: dict[str, Any], now: str, bits: int, status: str
) -> Row:
    """Store an item whose ``data`` is already valid."""
    ident = ws.next_id("items")
    row: Row = {
        "id": ident,
        "reference": new_reference(ws, state, ident, bits),
        "status": status,
        "created_at": now,
        "updated_at": now,
        "data": data,
    }
    state.items.add(row)
    ws.references[row["reference"]] = row
    return row


def _checked(ctx: Ctx, state: TypeState, *, partial: bool) -> tuple[dict[str, Any], str | None]:
    body = ctx.body()
    if "data" not in body and not partial:
        raise invalid("data should not be empty")
    data, errors = validate_data(body.get("data", {}), state, ctx.ws, partial=partial)
    status = body.get("status")
    if status is not None and status not in _STATUSES:
        errors.append(f"status must be one of {list(_STATUSES)}")
    if errors:
        raise invalid(*errors)
    return data, status


def _item(ctx: Ctx) -> tuple[TypeState, Row]:
    state = ctx.type_state()
    row = state.items.find(ctx.params["ref"])
    if row is None:
        raise Problem(404, f"item {ctx.params['ref']!r} not found")
    return state, row


@handles("items.list")
def list_items(ctx: Ctx) -> list[Row]:
    """GET /ws/types/{slug}/items."""
    return list_rows(ctx, ctx.type_state().items)


@handles("items.count")
def count_items(ctx: Ctx) -> int | dict[str, int]:
    """GET /ws/types/{slug}/items/count."""
    return count_rows(ctx, ctx.type_state().items)


@handles("items.get")
def get_item(ctx: Ctx) -> Row:
    """GET /ws/types/{slug}/items/{ref}."""
    return _item(ctx)[1]


@handles("items.create", status=201)
def create_item(ctx: Ctx) -> Row:
    """POST /ws/types/{slug}/items with ``{"data": {refId: value}}``."""
    state = ctx.type_state()
    data, status = _checked(ctx, state, partial=False)
    bits = ctx.state.data_rng.getrandbits(32)
    row = add_item(ctx.ws, state, data, ctx.now, bits, status or "active")
    ctx.applied(row["reference"])
    return row


@handles("items.update")
def update_item(ctx: Ctx) -> Row:
    """PUT /ws/types/{slug}/items/{ref}: ``data`` is merged into the stored data."""
    state, row = _item(ctx)
    data, status = _checked(ctx, state, partial=True)
    changes: dict[str, Any] = {
        "data": {**row["data"], **data},
        "updated_at": later(row["updated_at"], ctx.now),
    }
    if status is not None:
        changes["status"] = status
    state.items.update(row, changes)
    ctx.applied(row["reference"])
    return row


@handles("items.delete")
def delete_item(ctx: Ctx) -> Row:
    """DELETE /ws/types/{slug}/items/{ref}."""
    state, row = _item(ctx)
    state.items.remove(row)
    ctx.ws.references.pop(row["reference"], None)
    ctx.applied(row["reference"])
    return row
