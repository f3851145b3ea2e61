"""Workspaces (list and create are not workspace-scoped) and the user's own routes."""

from __future__ import annotations

from typing import Any

from .._context import Ctx, handles
from .._problems import Problem
from .._query import parse_query
from .._state import EmulatedWorkspace, State
from .._store import Row
from . import _shapes as shapes
from ._common import pick, require_str
from .people import add_member
from .types import slugify

__all__ = ["add_workspace"]


def add_workspace(state: State, body: dict[str, Any], now: str) -> EmulatedWorkspace:
    """Create a workspace, owned by the emulator's user."""
    require_str(body, "name")
    values = pick(body, {"name": str, "slug": str, "icon": str})
    slug = values.get("slug") or slugify(values["name"])
    if slug in state.workspaces:
        raise Problem(409, f"a workspace with slug {slug!r} already exists")
    ident = (state.workspace_rows.rows[-1]["id"] + 1) if state.workspace_rows.rows else 1
    row = {
        "id": ident,
        "name": values["name"],
        "slug": slug,
        "icon": values.get("icon"),
        "created_at": now,
        "updated_at": now,
    }
    state.workspace_rows.add(row)
    ws = state.workspaces[slug] = EmulatedWorkspace(row)
    owner = state.user
    add_member(ws, {"email": owner["email"], **owner["meta"]}, now, owner=owner)
    return ws


def _counts(ws: EmulatedWorkspace) -> dict[str, int]:
    return {
        "types": len(ws.types),
        "items": sum(len(s.items) for s in ws.type_states.values()),
        "fields": sum(len(s.fields) for s in ws.type_states.values()),
        "flows": len(ws.collections["flows"]),
        "members": len(ws.collections["members"]),
        "roles": len(ws.collections["roles"]),
        "member_groups": len(ws.collections["member_groups"]),
        "quick_tasks": len(ws.collections["quick_tasks"]),
        "integrations": len(ws.collections["integrations"]),
    }


@handles("workspaces.list")
def list_workspaces(ctx: Ctx) -> list[Row]:
    """GET /workspaces: the workspaces this key may use."""
    rows = [r for r in ctx.state.workspace_rows if ctx.key.may_use(r["slug"])]
    return shapes.workspaces(ctx, parse_query(ctx.query).page(rows))


@handles("workspaces.create", status=201)
def create_workspace(ctx: Ctx) -> Row:
    """POST /workspaces; a key limited to some workspaces gains the new one."""
    ws = add_workspace(ctx.state, ctx.body(), ctx.now)
    if ctx.key.workspaces is not None:
        ctx.key.workspaces.add(ws.slug)
    ctx.applied(ws.slug)
    return shapes.workspace(ctx, ws.row)


@handles("workspaces.context")
def context(ctx: Ctx) -> dict[str, Any]:
    """GET /ws/context: the workspace, the user and the user's membership."""
    member = next(
        (m for m in ctx.ws.collections["members"] if m["email"] == ctx.state.user["email"]), None
    )
    return {
        "workspace": shapes.workspace(ctx, ctx.ws.row),
        "user": ctx.state.user,
        "member": member,
        "scopes": sorted(ctx.key.scopes),
        "settings": {"locale": "en-US", "timezone": "UTC"},
    }


@handles("workspaces.stats")
def stats(ctx: Ctx) -> dict[str, int]:
    """GET /ws/stats: counts of what the workspace holds."""
    return _counts(ctx.ws)


@handles("workspaces.deletion_preview")
def deletion_preview(ctx: Ctx) -> dict[str, Any]:
    """GET /ws/deletion-preview: what deleting the workspace would remove."""
    return {"workspace": ctx.ws.slug, **_counts(ctx.ws)}


@handles("workspaces.leave")
def leave(ctx: Ctx) -> Row:
    """POST /ws/leave: this key can no longer use the workspace."""
    ctx.key.left.add(ctx.ws.slug)
    ctx.applied(ctx.ws.slug)
    return ctx.ws.row


@handles("workspaces.delete")
def delete_workspace(ctx: Ctx) -> Row:
    """DELETE /ws: the workspace and everything in it."""
    del ctx.state.workspaces[ctx.ws.slug]
    ctx.state.workspace_rows.remove(ctx.ws.row)
    ctx.applied(ctx.ws.slug)
    return ctx.ws.row


@handles("user.request_log")
def request_log(ctx: Ctx) -> list[Row]:
    """GET /users/me/request-logs: this key's finished requests, oldest first, paged."""
    query = parse_query(ctx.query)
    mine = [r for r in ctx.state.requests if r.key_id == ctx.key.id and (r.status or r.fault)]
    if not query.predicates and not query.sort:
        return [r.row() for r in mine[query.start : query.start + query.limit]]
    return query.page([r.row() for r in mine])


@handles("user.api_keys")
def api_keys(ctx: Ctx) -> list[Row]:
    """GET /users/me/api-keys: every key of the user, never a secret."""
    slugs = list(ctx.state.workspaces)
    return parse_query(ctx.query).page([k.row(slugs) for k in ctx.state.keys.values()])
