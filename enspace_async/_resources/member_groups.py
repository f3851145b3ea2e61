"""``client.member_groups``: groups of members."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import MemberGroup
from ._base import Resource, drop_none, query_of

__all__ = ["MemberGroups"]


class MemberGroups(Resource):
    """The member groups of the client's workspace."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[MemberGroup]:
        """Iterate over the member groups.

        Args:
            filters: ``{"name_contains": "sales"}`` and the other operators of the API.
            sort: ``"name:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`MemberGroup`.
        """
        query = query_of(filters, sort, q)
        return self._paginate(
            "member_groups.list", MemberGroup, query=query, page_size=page_size, start=start
        )

    async def get(self, group_id: int) -> MemberGroup:
        """Return one member group.

        Raises:
            NotFoundError: there is no such group.
        """
        path = {"group_id": group_id}
        return await self._client._call("member_groups.get", path, into=MemberGroup)

    async def create(
        self, *, name: str, description: str | None = None, users: Iterable[int] | None = None
    ) -> MemberGroup:
        """Create a member group, optionally with members (by member id).

        Raises:
            BadRequestError: the values were refused (an unknown member id, say).
        """
        body = drop_none(name=name, description=description, users=_ids(users))
        return await self._client._call("member_groups.create", json=body, into=MemberGroup)

    async def update(self, group_id: int, **changes: Any) -> MemberGroup:
        """Change the given wire keys of a group (``name=``, ``description=``) and return it.

        Raises:
            NotFoundError: there is no such group.
        """
        path = {"group_id": group_id}
        return await self._client._call(
            "member_groups.update", path, json=changes, into=MemberGroup
        )

    async def delete(self, group_id: int) -> None:
        """Delete a member group (its members stay members of the workspace).

        Raises:
            NotFoundError: there is no such group.
        """
        await self._client._call("member_groups.delete", {"group_id": group_id})

    async def add_users(self, group_id: int, member_ids: Iterable[int]) -> MemberGroup:
        """Add members (by member id) to a group and return the group.

        Raises:
            NotFoundError: there is no such group.
            BadRequestError: a member id is unknown.
        """
        return await self._users("member_groups.add_users", group_id, member_ids)

    async def remove_users(self, group_id: int, member_ids: Iterable[int]) -> MemberGroup:
        """Remove members (by member id) from a group and return the group.

        Raises:
            NotFoundError: there is no such group.
            BadRequestError: a member id is unknown.
        """
        return await self._users("member_groups.remove_users", group_id, member_ids)

    async def _users(self, name: str, group_id: int, member_ids: Iterable[int]) -> MemberGroup:
        path, body = {"group_id": group_id}, {"users": _ids(member_ids)}
        return await self._client._call(name, path, json=body, into=MemberGroup)


def _ids(member_ids: Iterable[int] | None) -> list[int] | None:
    return None if member_ids is None else list(member_ids)
