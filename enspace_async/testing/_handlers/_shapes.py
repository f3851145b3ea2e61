"""The documented variants, served with ``EnspaceEmulator(shapes="documented")``.

By default the emulator answers in the shapes it has always served. The documented variant
answers with the same data as the reference's own pages show it, so that the SDK's tolerance is
tested over HTTP too: workspace ids as strings (``"id": "123"``), fields keyed by ``slug`` with
their options as ``{"choices": [...]}``, integrations naming their provider by bare id, and
counts as ``{"count": n}``. Rows are copied, never changed in place.
"""

from __future__ import annotations

from collections.abc import Callable

from .._context import Ctx
from .._store import Row

__all__ = ["count", "field", "fields", "integration", "integrations", "workspace", "workspaces"]


def _documented(ctx: Ctx) -> bool:
    return ctx.state.shapes == "documented"


def count(ctx: Ctx, n: int) -> int | dict[str, int]:
    """A count: a bare integer, or ``{"count": n}`` ("some routes may return" it)."""
    return {"count": n} if _documented(ctx) else n


def workspace(ctx: Ctx, row: Row) -> Row:
    """A workspace, its id a string as the concepts and auth pages show it."""
    return {**row, "id": str(row["id"])} if _documented(ctx) else row


def field(ctx: Ctx, row: Row) -> Row:
    """A field keyed by ``slug``, its options as ``{"choices": [...]}`` (the create-field page)."""
    if not _documented(ctx):
        return row
    shaped = {k: v for k, v in row.items() if k != "refId"}
    choices = [option["value"] for option in row["options"]]
    return {**shaped, "slug": row["refId"], "options": {"choices": choices}}


def integration(ctx: Ctx, row: Row) -> Row:
    """An integration naming its provider by id ("integration is an integer", some pages)."""
    return {**row, "integration": row["integration"]["id"]} if _documented(ctx) else row


def _each(shape: Callable[[Ctx, Row], Row]) -> Callable[[Ctx, list[Row]], list[Row]]:
    def rows(ctx: Ctx, found: list[Row]) -> list[Row]:
        return found if not _documented(ctx) else [shape(ctx, r) for r in found]

    rows.__doc__ = f"A list of rows, each shaped by :func:`{shape.__name__}`."
    return rows


workspaces = _each(workspace)
fields = _each(field)
integrations = _each(integration)
