"""Workspaces, their context, statistics and deletion preview, and the user's own records.

The context, statistics and deletion preview are assumed shapes: they model the keys the SDK
knows and keep every other key, untouched, in ``extra`` (a ``dict`` of the raw JSON values),
so a key the server adds is readable as ``stats.extra["new_key"]`` and written back by a dump.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._people import Member, User
from ._wire import register

__all__ = [
    "ApiKey",
    "RequestLogEntry",
    "Workspace",
    "WorkspaceContext",
    "WorkspaceDeletionPreview",
    "WorkspaceStats",
]


@register
@attrs.frozen(kw_only=True)
class Workspace:
    """A workspace; its ``slug`` is what the ``en-workspace`` header carries.

    Attributes:
        id: a string, as the docs show it (``"123"``, ``"ws-123"``); a numeric id reads as
            its digits.
        extra: every other key of the response, and raw values that did not fit.
    """

    id: str
    name: str | None = None
    slug: str | None = None
    icon: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class WorkspaceContext:
    """Who is calling, in which workspace, with what rights.

    Attributes:
        member: the caller's membership of the workspace.
        scopes: the API key's scopes.
        extra: every other key of the response, raw.
    """

    workspace: Workspace | None = None
    user: User | int | None = None
    member: Member | int | None = None
    scopes: list[str] = attrs.field(factory=list)
    settings: dict[str, Any] = attrs.field(factory=dict)
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class WorkspaceStats:
    """How much a workspace holds; ``None`` where the server sent no count.

    Attributes:
        extra: every other key of the response, raw (counts the SDK does not know yet).
    """

    types: int | None = None
    items: int | None = None
    fields: int | None = None
    flows: int | None = None
    members: int | None = None
    roles: int | None = None
    member_groups: int | None = None
    quick_tasks: int | None = None
    integrations: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class WorkspaceDeletionPreview(WorkspaceStats):
    """What deleting the workspace would remove.

    Attributes:
        workspace: the slug of the workspace concerned.
        extra: every other key of the response, raw.
    """

    workspace: str | None = None


@register
@attrs.frozen(kw_only=True)
class RequestLogEntry:
    """One request made with the caller's API key.

    Attributes:
        status: the HTTP status answered.
        workspace: the workspace slug it was sent for, if any.
    """

    id: int
    method: str | None = None
    path: str | None = None
    status: int | None = None
    duration_ms: float | None = None
    workspace: str | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class ApiKey:
    """One of the caller's API keys; the secret itself is never sent.

    Attributes:
        scopes: among ``read``, ``write`` and ``delete``.
        workspaces: the slugs it may use; ``None`` for every workspace.
    """

    id: int
    description: str | None = None
    scopes: list[str] = attrs.field(factory=list)
    workspaces: list[str] | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
