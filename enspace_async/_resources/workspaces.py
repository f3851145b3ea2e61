"""``client.workspaces``: the workspaces of the caller, and the current one's overview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Workspace, WorkspaceContext, WorkspaceDeletionPreview, WorkspaceStats
from ._base import Resource, drop_none, query_of

__all__ = ["Workspaces"]


class Workspaces(Resource):
    """Listing and creating workspaces (no ``en-workspace`` needed), and the current workspace."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Workspace]:
        """Iterate over the workspaces the API key may use.

        Args:
            filters: ``{"name_contains": "acme"}`` and the other operators of the API.
            sort: ``"name:asc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Workspace`.
        """
        query = query_of(filters, sort, None)
        return self._paginate(
            "workspaces.list", Workspace, query=query, page_size=page_size, start=start
        )

    async def create(self, *, name: str, slug: str, icon: str | None = None) -> Workspace:
        """Create a workspace owned by the caller.

        Returns:
            The new :class:`Workspace`.

        Raises:
            BadRequestError: the values were refused.
            ConflictError: the slug is taken.
        """
        body = drop_none(name=name, slug=slug, icon=icon)
        return await self._client._call("workspaces.create", json=body, into=Workspace)

    async def context(self) -> WorkspaceContext:
        """Return who is calling, in the client's workspace, with what rights.

        Returns:
            A :class:`WorkspaceContext` (unknown keys in ``extra``).

        Raises:
            PermissionDeniedError: the key may not use this workspace.
        """
        return await self._client._call("workspaces.context", into=WorkspaceContext)

    async def stats(self) -> WorkspaceStats:
        """Return the counts of what the client's workspace holds.

        Returns:
            A :class:`WorkspaceStats` (unknown keys in ``extra``).

        Raises:
            PermissionDeniedError: the key may not use this workspace.
        """
        return await self._client._call("workspaces.stats", into=WorkspaceStats)

    async def deletion_preview(self) -> WorkspaceDeletionPreview:
        """Return what deleting the client's workspace would remove, without deleting it.

        Returns:
            A :class:`WorkspaceDeletionPreview` (unknown keys in ``extra``).

        Raises:
            PermissionDeniedError: the key may not use this workspace.
        """
        return await self._client._call(
            "workspaces.deletion_preview", into=WorkspaceDeletionPreview
        )

    async def leave(self) -> None:
        """Leave the client's workspace: the caller stops being a member.

        Raises:
            PermissionDeniedError: the key lacks the ``write`` scope or the workspace.
        """
        await self._client._call("workspaces.leave")

    async def delete(self) -> None:
        """Delete the client's workspace and everything in it; this cannot be undone.

        Raises:
            PermissionDeniedError: the key lacks the ``delete`` scope or the workspace.
        """
        await self._client._call("workspaces.delete")
