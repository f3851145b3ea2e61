"""``client.fields``: the fields of a type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import MAX_PAGE_SIZE, AsyncPaginator
from ..models import Field, FieldType
from ._base import PathValues, Resource, drop_none, query_of

__all__ = ["Fields"]


class Fields(Resource):
    """The fields of the types of the client's workspace."""

    def list(
        self,
        type_slug: str,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Field]:
        """Iterate over the fields of a type.

        Args:
            type_slug: the type's slug.
            filters: ``{"type": "EnCurrency"}`` and the other operators of the API.
            sort: ``"order:asc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Field`.
        """
        query = query_of(filters, sort, None)
        path = {"slug": type_slug}
        return self._paginate(
            "fields.list", Field, path, query=query, page_size=page_size, start=start
        )

    async def get(self, type_slug: str, field_id: int) -> Field:
        """Return one field of a type.

        Raises:
            NotFoundError: no such type or field.
        """
        path: PathValues = {"slug": type_slug, "field_id": field_id}
        return await self._client._call("fields.get", path, into=Field)

    async def create(
        self,
        type_slug: str,
        *,
        name: str,
        slug: str,
        type: FieldType | str,
        required: bool = False,
        config: Mapping[str, Any] | None = None,
        order: int | None = None,
    ) -> Field:
        """Add a field to a type (the documented body: name, slug, type, required, config, order).

        Args:
            slug: becomes the field's ``refId``, the key of its values in ``Item.data``.
            type: a :class:`FieldType` or its wire string.

        Raises:
            BadRequestError: the values were refused.
            ConflictError: the type already has a field with this slug.
        """
        body = {"name": name, "slug": slug, "type": type, "required": required}
        body |= drop_none(config=None if config is None else dict(config), order=order)
        path = {"slug": type_slug}
        return await self._client._call("fields.create", path, json=body, into=Field)

    async def update(self, type_slug: str, field_id: int, **changes: Any) -> Field:
        """Change the given wire keys of a field (``label=``, ``required=``…) and return it.

        Raises:
            NotFoundError: no such type or field.
            BadRequestError: the values were refused.
        """
        path: PathValues = {"slug": type_slug, "field_id": field_id}
        return await self._client._call("fields.update", path, json=changes, into=Field)

    async def delete(self, type_slug: str, field_id: int) -> None:
        """Delete a field of a type.

        Raises:
            NotFoundError: no such type or field.
        """
        await self._client._call("fields.delete", {"slug": type_slug, "field_id": field_id})
