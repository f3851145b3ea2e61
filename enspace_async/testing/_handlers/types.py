"""Types, their fields and their forms."""

from __future__ import annotations

import re
from typing import Any

from .._context import Ctx, handles
from .._problems import Problem, invalid
from .._state import EmulatedWorkspace, TypeState
from .._store import Row
from . import _shapes as shapes
from ._common import count_rows, delete_row, list_rows, pick, require_str, update_row

__all__ = ["add_field", "add_form", "add_type"]

_TYPE_KEYS: dict[str, Any] = {
    "name": str,
    "description": str,
    "icon": str,
    "color": str,
    "settings": dict,
}
# The create-field page's body table and its curl example differ: both are accepted.
_FIELD_KEYS: dict[str, Any] = {
    "name": str,
    "label": str,
    "type": str,
    "required": bool,
    "config": dict,
    "order": int,
    "options": (list, dict),
    "defaultValue": (str, int, float, bool),
    "position": int,
    "active": bool,
}


def slugify(text: str) -> str:
    """Return a slug made of ``text``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "type"


def add_type(ws: EmulatedWorkspace, body: dict[str, Any], now: str) -> Row:
    """Create a type in ``ws`` from a create body; a 400 or 409 when it does not fit."""
    require_str(body, "name")
    values = pick(body, {**_TYPE_KEYS, "slug": str})
    slug = values.get("slug") or slugify(values["name"])
    settings = values.get("settings") or {}
    if any(not isinstance(v, str) for v in settings.values()):
        raise invalid("settings values must be strings")
    if ws.types.find(slug) is not None:
        raise Problem(409, f"a type with slug {slug!r} already exists")
    row = {
        "id": ws.next_id("types"),
        "name": values["name"],
        "slug": slug,
        "description": values.get("description"),
        "icon": values.get("icon"),
        "color": values.get("color"),
        "settings": settings,
        "created_at": now,
        "updated_at": now,
    }
    ws.types.add(row)
    ws.type_states[slug] = TypeState(row)
    return row


def add_field(ws: EmulatedWorkspace, state: TypeState, body: dict[str, Any], now: str) -> Row:
    """Create a field of a type from a create body (``name``, ``slug``, ``type``…)."""
    require_str(body, "name", "type")
    values = pick(body, {**_FIELD_KEYS, "slug": str, "refId": str})
    ref_id = values.get("refId") or values.get("slug") or values["name"]
    if state.fields.find(ref_id) is not None:
        raise Problem(409, f"a field with refId {ref_id!r} already exists")
    row = {
        "id": ws.next_id("fields"),
        "refId": ref_id,
        "name": values["name"],
        "label": values.get("label") or values["name"],
        "type": values["type"],
        "required": bool(values.get("required")),
        "options": _options(values.get("options")),
        "config": values.get("config") or {},
        "order": values.get("order", len(state.fields)),
        "defaultValue": values.get("defaultValue"),
        "position": values.get("position"),
        "active": values.get("active", True) is not False,
    }
    return state.fields.add(row)


def _field_changes(body: dict[str, Any]) -> dict[str, Any]:
    changes = pick(body, _FIELD_KEYS)
    if "options" in changes:
        changes["options"] = _options(changes["options"])
    return changes


def _options(value: Any) -> list[Any]:
    """Options as stored: ``[{value, label}]``, from such a list, a list of choices, or
    ``{"choices": [...]}``."""
    choices = value.get("choices") if isinstance(value, dict) else value or []
    if not isinstance(choices, list):
        raise invalid("options must be a list or an object with a choices list")
    return [c if isinstance(c, dict) else {"value": c, "label": c} for c in choices]


def add_form(
    ws: EmulatedWorkspace,
    state: TypeState,
    name: str,
    fields: list[str],
    now: str,
    *,
    for_create: bool,
) -> Row:
    """Add a form of a type listing the ``fields`` refIds."""
    row = {
        "id": ws.next_id("forms"),
        "name": name,
        "type": state.row["slug"],
        "for_create": for_create,
        "fields": fields,
        "created_at": now,
        "updated_at": now,
    }
    return state.forms.add(row)


@handles("types.list")
def list_types(ctx: Ctx) -> list[Row]:
    """GET /ws/types."""
    return list_rows(ctx, ctx.ws.types)


@handles("types.count")
def count_types(ctx: Ctx) -> int | dict[str, int]:
    """GET /ws/types/count."""
    return count_rows(ctx, ctx.ws.types)


@handles("types.get")
def get_type(ctx: Ctx) -> Row:
    """GET /ws/types/{slug}."""
    return ctx.type_state().row


@handles("types.create", status=201)
def create_type(ctx: Ctx) -> Row:
    """POST /ws/types."""
    row = add_type(ctx.ws, ctx.body(), ctx.now)
    ctx.applied(row["slug"])
    return row


@handles("types.update")
def update_type(ctx: Ctx) -> Row:
    """PUT /ws/types/{slug}: the slug cannot change."""
    state, body = ctx.type_state(), ctx.body()
    if body.get("slug", state.row["slug"]) != state.row["slug"]:
        raise invalid("slug cannot be changed")
    changes = pick(body, _TYPE_KEYS)
    return update_row(ctx, ctx.ws.types, state.row, changes)


@handles("types.delete")
def delete_type(ctx: Ctx) -> Row:
    """DELETE /ws/types/{slug}: its items, fields and forms go with it."""
    state = ctx.type_state()
    for item in state.items:
        ctx.ws.references.pop(item["reference"], None)
    del ctx.ws.type_states[state.row["slug"]]
    return delete_row(ctx, ctx.ws.types, state.row)


@handles("fields.list")
def list_fields(ctx: Ctx) -> list[Row]:
    """GET /ws/types/{slug}/fields."""
    return shapes.fields(ctx, list_rows(ctx, ctx.type_state().fields))


@handles("fields.create", status=201)
def create_field(ctx: Ctx) -> Row:
    """POST /ws/types/{slug}/fields."""
    row = add_field(ctx.ws, ctx.type_state(), ctx.body(), ctx.now)
    ctx.applied(row["id"])
    return shapes.field(ctx, row)


def _field(ctx: Ctx) -> tuple[TypeState, Row]:
    state = ctx.type_state()
    row = state.fields.get(ctx.int_param("field_id"))
    if row is None:
        raise Problem(404, f"field {ctx.params['field_id']} not found")
    return state, row


@handles("fields.get")
def get_field(ctx: Ctx) -> Row:
    """GET /ws/types/{slug}/fields/{field_id}."""
    return shapes.field(ctx, _field(ctx)[1])


@handles("fields.update")
def update_field(ctx: Ctx) -> Row:
    """PUT /ws/types/{slug}/fields/{field_id}: the refId cannot change."""
    state, row = _field(ctx)
    state.fields.update(row, _field_changes(ctx.body()))
    ctx.applied(row["id"])
    return shapes.field(ctx, row)


@handles("fields.delete")
def delete_field(ctx: Ctx) -> Row:
    """DELETE /ws/types/{slug}/fields/{field_id}."""
    state, row = _field(ctx)
    state.fields.remove(row)
    ctx.applied(row["id"])
    return row


@handles("forms.list")
def list_forms(ctx: Ctx) -> list[Row]:
    """GET /ws/types/{slug}/forms."""
    return list_rows(ctx, ctx.type_state().forms)


@handles("forms.list_for_create")
def list_forms_for_create(ctx: Ctx) -> list[Row]:
    """GET /ws/types/{slug}/forms/create: the forms usable to create an item."""
    return [f for f in ctx.type_state().forms if f["for_create"]][:100]


@handles("forms.get")
def get_form(ctx: Ctx) -> Row:
    """GET /ws/types/{slug}/forms/{form_id}."""
    row = ctx.type_state().forms.get(ctx.int_param("form_id"))
    if row is None:
        raise Problem(404, f"form {ctx.params['form_id']} not found")
    return row
