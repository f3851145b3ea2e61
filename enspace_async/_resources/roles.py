"""``client.roles``: roles and their permissions."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Permission, Role
from ._base import Resource, drop_none, query_of

__all__ = ["Roles"]


class Roles(Resource):
    """The roles of the client's workspace."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Role]:
        """Iterate over the roles.

        Args:
            filters: ``{"name_contains": "sales"}`` and the other operators of the API.
            sort: ``"name:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Role`.
        """
        query = query_of(filters, sort, q)
        return self._paginate("roles.list", Role, query=query, page_size=page_size, start=start)

    async def count(self, *, filters: Mapping[str, Any] | None = None, q: str | None = None) -> int:
        """Return how many roles match the filters."""
        return await self._count("roles.count", query=query_of(filters, None, q))

    async def get(self, role_id: int) -> Role:
        """Return one role.

        Raises:
            NotFoundError: there is no such role.
        """
        return await self._client._call("roles.get", {"role_id": role_id}, into=Role)

    async def create(self, *, name: str, description: str | None = None) -> Role:
        """Create a role.

        Returns:
            The new :class:`Role`.

        Raises:
            BadRequestError: the values were refused.
        """
        body = drop_none(name=name, description=description)
        return await self._client._call("roles.create", json=body, into=Role)

    async def update(self, role_id: int, **changes: Any) -> Role:
        """Change the given wire keys of a role (``name=``, ``description=``) and return it.

        Raises:
            NotFoundError: there is no such role.
        """
        path = {"role_id": role_id}
        return await self._client._call("roles.update", path, json=changes, into=Role)

    async def delete(self, role_id: int) -> None:
        """Delete a role and its permissions.

        Raises:
            NotFoundError: there is no such role.
        """
        await self._client._call("roles.delete", {"role_id": role_id})

    async def list_permissions(self, role_id: int) -> builtins.list[Permission]:
        """Return every permission of a role (paging through the server's pages of 100).

        Raises:
            NotFoundError: there is no such role.
        """
        path = {"role_id": role_id}
        return await self._paginate("roles.list_permissions", Permission, path).collect()

    async def add_permission(self, role_id: int, *, name: str) -> Permission:
        """Grant a permission (``name="items.read"``, assumed body ``{"name": …}``) to a role.

        Returns:
            The new :class:`Permission`.

        Raises:
            NotFoundError: there is no such role.
            BadRequestError: the name was refused.
        """
        path, body = {"role_id": role_id}, {"name": name}
        return await self._client._call("roles.add_permission", path, json=body, into=Permission)

    async def remove_permission(self, role_id: int, permission_id: int) -> None:
        """Take a permission away from a role.

        Raises:
            NotFoundError: no such role, or the permission is not the role's.
        """
        path = {"role_id": role_id, "permission_id": permission_id}
        await self._client._call("roles.remove_permission", path)
