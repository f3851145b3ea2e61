"""Members (with the type rules of §6), roles and their permissions, member groups."""

from __future__ import annotations

from typing import Any

from .._context import Ctx, handles
from .._problems import Problem, invalid
from .._state import EmulatedWorkspace
from .._store import Row
from ._common import (
    delete_row,
    get_row,
    list_rows,
    new_row,
    pick,
    require_str,
    serve_reads,
    update_row,
)

__all__ = ["add_member"]

serve_reads("members", "member_id", "member")
serve_reads("roles", "role_id", "role")
serve_reads("member_groups", "group_id", "member group", count=False)

_NEW_TYPES = ("full", "standard", "viewer")
_STATUSES = ("active", "inactive", "blocked")


def add_member(
    ws: EmulatedWorkspace, body: dict[str, Any], now: str, *, owner: Row | None = None
) -> Row:
    """Add a member from a new-member body; ``owner`` (the owner's user) only for seeding."""
    require_str(body, "email")
    values = pick(
        body,
        {
            "email": str,
            "type": str,
            "role": int,
            "mgroups": list,
            "fname": str,
            "lname": str,
            "v1_compatibility": bool,
        },
    )
    kind = "owner" if owner is not None else values.get("type")
    errors = []
    if "@" not in values["email"]:
        errors.append("email must be an email")
    if owner is None and kind not in _NEW_TYPES:
        errors.append(f"type must be one of {list(_NEW_TYPES)}")
    role = values.get("role")
    if role is not None and ws.collections["roles"].get(role) is None:
        errors.append(f"role {role} does not exist")
    if errors:
        raise invalid(*errors)
    members = ws.collections["members"]
    if any(m["email"] == values["email"] for m in members):
        raise Problem(409, f"{values['email']} is already a member")
    user = owner or {
        "id": ws.next_id("users") + 1,
        "created_at": now,
        "email": values["email"],
        "meta": {"fname": values.get("fname"), "lname": values.get("lname")},
    }
    fields = {
        "user": user,
        "email": values["email"],
        "type": kind,
        "role": None if kind in ("full", "owner") else role,
        "status": "active",
    }
    return new_row(ws, "members", now, fields)


@handles("members.create", status=201)
def create_member(ctx: Ctx) -> Row:
    """POST /ws/members: nobody becomes owner; ``full`` ignores ``role``."""
    row = add_member(ctx.ws, ctx.body(), ctx.now)
    ctx.applied(row["id"])
    return row


@handles("members.update")
def update_member(ctx: Ctx) -> Row:
    """PUT /ws/members/{member_id}: ``type``, ``role``, ``status``."""
    members = ctx.ws.collections["members"]
    row = get_row(ctx, members, "member_id", "member")
    changes = pick(ctx.body(), {"type": str, "role": int, "status": str})
    errors = []
    kind = changes.get("type", row["type"])
    if row["type"] == "owner" and kind != "owner":
        errors.append("the owner's type cannot change")
    elif "type" in changes and kind not in _NEW_TYPES:
        errors.append(f"type must be one of {list(_NEW_TYPES)}")
    if changes.get("status", "active") not in _STATUSES:
        errors.append(f"status must be one of {list(_STATUSES)}")
    role = changes.get("role")
    if role is not None and ctx.ws.collections["roles"].get(role) is None:
        errors.append(f"role {role} does not exist")
    if errors:
        raise invalid(*errors)
    if kind in ("full", "owner"):
        changes["role"] = None
    return update_row(ctx, members, row, changes)


@handles("members.delete")
def delete_member(ctx: Ctx) -> Row:
    """DELETE /ws/members/{member_id}: the owner cannot be removed."""
    members = ctx.ws.collections["members"]
    row = get_row(ctx, members, "member_id", "member")
    if row["type"] == "owner":
        raise Problem(403, "the owner cannot be removed")
    return delete_row(ctx, members, row)


_ROLE_KEYS: dict[str, Any] = {"name": str, "description": str}


@handles("roles.create", status=201)
def create_role(ctx: Ctx) -> Row:
    """POST /ws/roles."""
    body = ctx.body()
    require_str(body, "name")
    values = pick(body, _ROLE_KEYS)
    row = new_row(ctx.ws, "roles", ctx.now, {"description": None, **values})
    ctx.applied(row["id"])
    return row


@handles("roles.update")
def update_role(ctx: Ctx) -> Row:
    """PUT /ws/roles/{role_id}."""
    roles = ctx.ws.collections["roles"]
    row = get_row(ctx, roles, "role_id", "role")
    return update_row(ctx, roles, row, pick(ctx.body(), _ROLE_KEYS))


@handles("roles.delete")
def delete_role(ctx: Ctx) -> Row:
    """DELETE /ws/roles/{role_id}: its permissions go with it."""
    roles = ctx.ws.collections["roles"]
    row = get_row(ctx, roles, "role_id", "role")
    permissions = ctx.ws.collections["permissions"]
    for permission in [p for p in permissions if p["role"] == row["id"]]:
        permissions.remove(permission)
    return delete_row(ctx, roles, row)


@handles("roles.list_permissions")
def list_permissions(ctx: Ctx) -> list[Row]:
    """GET /ws/roles/{role_id}/permissions."""
    role = get_row(ctx, ctx.ws.collections["roles"], "role_id", "role")
    rows = [p for p in ctx.ws.collections["permissions"] if p["role"] == role["id"]]
    return list_rows(ctx, rows)


@handles("roles.add_permission", status=201)
def add_permission(ctx: Ctx) -> Row:
    """POST /ws/roles/{role_id}/permissions with ``{"name": "items.read"}``."""
    role = get_row(ctx, ctx.ws.collections["roles"], "role_id", "role")
    body = ctx.body()
    if "permission" in body and "name" not in body:
        body = {**body, "name": body["permission"]}
    require_str(body, "name")
    row = new_row(ctx.ws, "permissions", ctx.now, {"role": role["id"], "name": body["name"]})
    ctx.applied(row["id"])
    return row


@handles("roles.remove_permission")
def remove_permission(ctx: Ctx) -> Row:
    """DELETE /ws/roles/{role_id}/permissions/{permission_id}."""
    role = get_row(ctx, ctx.ws.collections["roles"], "role_id", "role")
    permissions = ctx.ws.collections["permissions"]
    row = get_row(ctx, permissions, "permission_id", "permission")
    if row["role"] != role["id"]:
        raise Problem(404, f"permission {row['id']} not found")
    return delete_row(ctx, permissions, row)


_GROUP_KEYS: dict[str, Any] = {"name": str, "description": str}


@handles("member_groups.create", status=201)
def create_group(ctx: Ctx) -> Row:
    """POST /ws/mgroups."""
    body = ctx.body()
    require_str(body, "name")
    values = {"description": None, **pick(body, _GROUP_KEYS)}
    users = _member_ids(ctx, body.get("users", []))
    row = new_row(ctx.ws, "member_groups", ctx.now, {**values, "users": users})
    ctx.applied(row["id"])
    return row


@handles("member_groups.update")
def update_group(ctx: Ctx) -> Row:
    """PUT /ws/mgroups/{group_id}."""
    groups = ctx.ws.collections["member_groups"]
    row = get_row(ctx, groups, "group_id", "member group")
    return update_row(ctx, groups, row, pick(ctx.body(), _GROUP_KEYS))


@handles("member_groups.delete")
def delete_group(ctx: Ctx) -> Row:
    """DELETE /ws/mgroups/{group_id}."""
    groups = ctx.ws.collections["member_groups"]
    return delete_row(ctx, groups, get_row(ctx, groups, "group_id", "member group"))


def _member_ids(ctx: Ctx, users: Any) -> list[int]:
    if not isinstance(users, list) or not all(
        isinstance(u, int) and not isinstance(u, bool) for u in users
    ):
        raise invalid("users must be a list of member ids")
    members = ctx.ws.collections["members"]
    unknown = [u for u in users if members.get(u) is None]
    if unknown:
        raise invalid(*(f"member {u} does not exist" for u in unknown))
    return list(users)


@handles("member_groups.add_users")
def add_users(ctx: Ctx) -> Row:
    """POST /ws/mgroups/{group_id}/users with ``{"users": [member_id, …]}``."""
    groups = ctx.ws.collections["member_groups"]
    row = get_row(ctx, groups, "group_id", "member group")
    added = _member_ids(ctx, ctx.body().get("users"))
    users = row["users"] + [u for u in added if u not in row["users"]]
    return update_row(ctx, groups, row, {"users": users})


@handles("member_groups.remove_users")
def remove_users(ctx: Ctx) -> Row:
    """DELETE /ws/mgroups/{group_id}/users with ``{"users": [member_id, …]}``."""
    groups = ctx.ws.collections["member_groups"]
    row = get_row(ctx, groups, "group_id", "member group")
    removed = set(_member_ids(ctx, ctx.body().get("users")))
    return update_row(ctx, groups, row, {"users": [u for u in row["users"] if u not in removed]})
