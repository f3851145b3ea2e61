"""``client.members``: the members of a workspace, with the documented type rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._errors import ConfigurationError
from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Member, MemberStatus, MemberType
from ._base import Resource, drop_none, query_of

__all__ = ["Members"]

_GIVABLE = (MemberType.FULL, MemberType.STANDARD, MemberType.VIEWER)


def _check_type(kind: MemberType | str) -> MemberType:
    """Return ``kind`` if a member may be given it (full, standard, viewer); never owner."""
    if kind not in _GIVABLE:
        raise ConfigurationError(
            f"member type must be one of full, standard, viewer (nobody becomes owner), got {kind!r}"
        )
    return MemberType(kind)


class Members(Resource):
    """The members of the client's workspace."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Member]:
        """Iterate over the members.

        Args:
            filters: ``{"type": "viewer", "status_ne": "blocked"}`` and the other operators.
            sort: ``"email:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Member`.
        """
        query = query_of(filters, sort, q)
        return self._paginate("members.list", Member, query=query, page_size=page_size, start=start)

    async def count(self, *, filters: Mapping[str, Any] | None = None, q: str | None = None) -> int:
        """Return how many members match the filters."""
        return await self._count("members.count", query=query_of(filters, None, q))

    async def get(self, member_id: int) -> Member:
        """Return one member.

        Raises:
            NotFoundError: there is no such member.
        """
        path = {"member_id": member_id}
        return await self._client._call("members.get", path, into=Member)

    async def create(
        self,
        *,
        email: str,
        type: MemberType | str,
        role: int | None = None,
        mgroups: Sequence[int] | None = None,
        fname: str | None = None,
        lname: str | None = None,
        v1_compatibility: bool | None = None,
    ) -> Member:
        """Add a member (``mgroups`` is deprecated by the API; ``full`` members ignore ``role``).

        Returns:
            The new :class:`Member`.

        Raises:
            ConfigurationError: ``type`` is not full, standard or viewer (nothing is sent).
            BadRequestError: the server refused the values.
            ConflictError: the email is already a member.
        """
        groups = None if mgroups is None else list(mgroups)
        optional = drop_none(role=role, mgroups=groups, fname=fname, lname=lname)
        body = {"email": email, "type": _check_type(type), **optional}
        body |= drop_none(v1_compatibility=v1_compatibility)
        return await self._client._call("members.create", json=body, into=Member)

    async def update(
        self,
        member_id: int,
        *,
        type: MemberType | str | None = None,
        role: int | None = None,
        status: MemberStatus | str | None = None,
    ) -> Member:
        """Change a member's type, role or status.

        Raises:
            ConfigurationError: ``type`` is ``owner`` or unknown (nothing is sent).
            BadRequestError: the server refused, e.g. an owner's type cannot change.
            NotFoundError: there is no such member.
        """
        kind = None if type is None else _check_type(type)
        body = drop_none(type=kind, role=role, status=status)
        path = {"member_id": member_id}
        return await self._client._call("members.update", path, json=body, into=Member)

    async def delete(self, member_id: int) -> None:
        """Remove a member from the workspace.

        Raises:
            NotFoundError: there is no such member.
            PermissionDeniedError: the owner cannot be removed, or the key lacks ``delete``.
        """
        await self._client._call("members.delete", {"member_id": member_id})
