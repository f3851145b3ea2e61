"""``client.types``: the types (categories) of a workspace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import MAX_PAGE_SIZE, AsyncPaginator
from ..models import ItemType
from ._base import Resource, query_of

__all__ = ["Types"]


class Types(Resource):
    """The types of the client's workspace."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[ItemType]:
        """Iterate over the workspace's types.

        Args:
            filters: ``{"name_contains": "contract"}`` and the other operators of the API.
            sort: ``"name:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).
        """
        query = query_of(filters, sort, q)
        return self._paginate("types.list", ItemType, query=query, page_size=page_size, start=start)

    async def count(self, *, filters: Mapping[str, Any] | None = None, q: str | None = None) -> int:
        """Return how many types match."""
        return await self._count("types.count", query=query_of(filters, None, q))

    async def get(self, slug: str) -> ItemType:
        """Return the type ``slug``.

        Raises:
            NotFoundError: there is no such type.
        """
        return await self._client._call("types.get", {"slug": slug}, into=ItemType)

    async def create(
        self,
        *,
        name: str,
        slug: str,
        description: str | None = None,
        icon: str | None = None,
        color: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> ItemType:
        """Create a type and return it.

        Raises:
            BadRequestError: the server refused the values (a duplicate slug, say).
        """
        body = _drop_none(
            name=name, slug=slug, description=description, icon=icon, color=color, settings=settings
        )
        return await self._client._call("types.create", json=body, into=ItemType)

    async def update(self, slug: str, **changes: Any) -> ItemType:
        """Change the given wire fields of type ``slug`` (``name=``, ``color=``…) and return it."""
        return await self._client._call("types.update", {"slug": slug}, json=changes, into=ItemType)

    async def delete(self, slug: str) -> None:
        """Delete the type ``slug``."""
        await self._client._call("types.delete", {"slug": slug})


def _drop_none(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
