"""``client.types``: the types (categories) of a workspace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._caller import Caller
from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from .._schema import TypeSchema
from ..models import ItemType
from ._base import Resource, query_of
from .fields import Fields

__all__ = ["Types"]


class Types(Resource):
    """The types of the client's workspace."""

    def __init__(self, client: Caller):
        super().__init__(client)
        self._schemas: dict[str, TypeSchema] = {}

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

    async def schema(self, slug: str, *, refresh: bool = False) -> TypeSchema:
        """Return the schema of type ``slug`` (its fields), to validate rows or generate models.

        The first call asks the API (the type, then its fields); later calls return the same
        schema from this client's cache until ``refresh=True`` asks again.

        Args:
            slug: the type's slug.
            refresh: ask the API again (after the type's fields changed).

        Raises:
            NotFoundError: there is no such type.
        """
        cached = self._schemas.get(slug)
        if cached is not None and not refresh:
            return cached
        item_type = await self.get(slug)
        fields = await Fields(self._client).list(slug).collect()
        schema = TypeSchema.of(slug, fields, item_type.name)
        self._schemas[slug] = schema
        return schema

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
