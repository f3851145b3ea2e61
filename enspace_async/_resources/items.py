"""``client.items``: the items (records) of a type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import MAX_PAGE_SIZE, AsyncPaginator
from ..models import Item
from ._base import Resource, query_of

__all__ = ["Items"]


class Items(Resource):
    """The items of the types of the client's workspace."""

    def list(
        self,
        type_slug: str,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Item]:
        """Iterate over the items of a type.

        Args:
            type_slug: the type's slug.
            filters: ``{"status": "active", "created_at_gte": dt, "data.city": "Recife"}``;
                lists repeat the parameter (``"id_in": [1, 2]``).
            sort: ``"id:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).
        """
        return self._paginate(
            "items.list",
            Item,
            {"slug": type_slug},
            query=query_of(filters, sort, q),
            page_size=page_size,
            start=start,
        )

    async def count(
        self, type_slug: str, *, filters: Mapping[str, Any] | None = None, q: str | None = None
    ) -> int:
        """Return how many items of the type match the filters."""
        return await self._count(
            "items.count", {"slug": type_slug}, query=query_of(filters, None, q)
        )

    async def get(self, type_slug: str, reference: str) -> Item:
        """Return one item by its reference.

        Raises:
            NotFoundError: no item has this reference.
        """
        path = {"slug": type_slug, "ref": reference}
        result: Item = await self._client._call("items.get", path, into=Item)
        return result

    async def create(self, type_slug: str, data: Mapping[str, Any]) -> Item:
        """Create an item from values keyed by field ``refId``; return it with its reference.

        Raises:
            BadRequestError: the values do not fit the type's fields (see ``error.messages``).
        """
        body = {"data": dict(data)}
        result: Item = await self._client._call(
            "items.create", {"slug": type_slug}, json=body, into=Item
        )
        return result

    async def update(self, type_slug: str, reference: str, data: Mapping[str, Any]) -> Item:
        """Merge ``data`` into the item's values and return the item."""
        path = {"slug": type_slug, "ref": reference}
        result: Item = await self._client._call(
            "items.update", path, json={"data": dict(data)}, into=Item
        )
        return result

    async def delete(self, type_slug: str, reference: str) -> None:
        """Delete one item."""
        await self._client._call("items.delete", {"slug": type_slug, "ref": reference})
