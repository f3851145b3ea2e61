"""The generic in-memory CRUD every resource builds on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._context import Ctx, handles
from .._problems import Problem, invalid
from .._query import parse_query
from .._state import EmulatedWorkspace
from .._store import Collection, Row, later
from . import _shapes as shapes

__all__ = [
    "count_rows",
    "delete_row",
    "get_row",
    "list_rows",
    "new_row",
    "pick",
    "require_str",
    "serve_reads",
    "update_row",
]


def list_rows(ctx: Ctx, rows: Collection | Sequence[Row]) -> list[Row]:
    """Answer a list request from ``rows``."""
    return parse_query(ctx.query).page(rows)


def count_rows(ctx: Ctx, rows: Collection) -> int | dict[str, int]:
    """Answer a count request from ``rows``."""
    return shapes.count(ctx, parse_query(ctx.query, paged=False).count(rows))


def get_row(ctx: Ctx, rows: Collection, param: str, what: str) -> Row:
    """Return the row whose id is the path parameter ``param``, or a 404."""
    row = rows.get(ctx.int_param(param))
    if row is None:
        raise Problem(404, f"{what} {ctx.params[param]} not found")
    return row


def serve_reads(kind: str, param: str, what: str, *, count: bool = True) -> None:
    """Register the plain ``<kind>.list``, ``.count`` and ``.get`` handlers of the collection
    ``kind`` (named like its routes), answering from the request's workspace."""
    handles(f"{kind}.list")(lambda ctx: list_rows(ctx, ctx.ws.collections[kind]))
    handles(f"{kind}.get")(lambda ctx: get_row(ctx, ctx.ws.collections[kind], param, what))
    if count:
        handles(f"{kind}.count")(lambda ctx: count_rows(ctx, ctx.ws.collections[kind]))


def new_row(ws: EmulatedWorkspace, kind: str, now: str, fields: dict[str, Any]) -> Row:
    """Add a row with the next id of ``kind`` and timestamps to the collection ``kind``."""
    row = {"id": ws.next_id(kind), **fields, "created_at": now, "updated_at": now}
    return ws.collections[kind].add(row)


def update_row(ctx: Ctx, rows: Collection, row: Row, changes: dict[str, Any]) -> Row:
    """Apply ``changes`` to ``row``, bump ``updated_at`` and count the write."""
    rows.update(row, {**changes, "updated_at": later(row["updated_at"], ctx.now)})
    ctx.applied(row["id"])
    return row


def delete_row(ctx: Ctx, rows: Collection, row: Row) -> Row:
    """Remove ``row`` and count the write."""
    rows.remove(row)
    ctx.applied(row["id"])
    return row


def pick(body: dict[str, Any], allowed: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """Return the keys of ``body`` that are ``allowed``, checking their JSON types."""
    errors, result = [], {}
    for name, kind in allowed.items():
        if name not in body:
            continue
        value = body[name]
        if value is not None and (
            not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind))
        ):
            errors.append(f"{name} must be {_describe(kind)}")
        result[name] = value
    if errors:
        raise invalid(*errors)
    return result


def require_str(body: dict[str, Any], *names: str) -> None:
    """Raise a 400 listing every name of ``names`` that is not a non-empty string in ``body``."""
    missing = [n for n in names if not isinstance(body.get(n), str) or not body[n].strip()]
    if missing:
        raise invalid(*(f"{n} should not be empty" for n in missing))


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _describe(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        dict: "an object",
        list: "a list",
    }
    return " or ".join(names.get(k, k.__name__) for k in _kinds(kind))
