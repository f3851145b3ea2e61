"""``client.fields``: the fields of a type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Field, FieldOption, FieldType
from ._base import PathValues, Resource, drop_none, query_of

__all__ = ["Fields"]

#: ``{"choices": ["a", "b"]}`` (the documented body) or a list of options.
Options = Mapping[str, Any] | Sequence[FieldOption | Mapping[str, Any] | str]


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
        label: str | None = None,
        config: Mapping[str, Any] | None = None,
        order: int | None = None,
        default_value: str | int | float | bool | None = None,
        options: Options | None = None,
        position: int | None = None,
        active: bool | None = None,
    ) -> Field:
        """Add a field to a type; every key of the documented body (and of its curl example).

        Args:
            type_slug: the type's slug.
            name: the field's name.
            slug: becomes the field's ``refId``, the key of its values in ``Item.data``.
            type: a :class:`FieldType` or its wire string.
            required: whether items must have a value.
            label: the label shown (the server defaults it to ``name``).
            config: the field's settings (``{"currency": "BRL"}``).
            order: its place among the type's fields (the curl example's key).
            default_value: sent as ``defaultValue``.
            options: the choices: ``{"choices": [...]}`` or a list of options.
            position: its place among the type's fields (the body table's key).
            active: whether the field is in use (the server defaults it to true).

        Raises:
            BadRequestError: the values were refused.
            ConflictError: the type already has a field with this slug.
        """
        body = {"name": name, "slug": slug, "type": type, "required": required}
        body |= _body(label, config, order, default_value, options, position, active)
        path = {"slug": type_slug}
        return await self._client._call("fields.create", path, json=body, into=Field)

    async def update(
        self,
        type_slug: str,
        field_id: int,
        *,
        name: str | None = None,
        label: str | None = None,
        type: FieldType | str | None = None,
        required: bool | None = None,
        config: Mapping[str, Any] | None = None,
        order: int | None = None,
        default_value: str | int | float | bool | None = None,
        options: Options | None = None,
        position: int | None = None,
        active: bool | None = None,
    ) -> Field:
        """Change the given keys of a field (``None`` leaves a key as it is) and return it.

        The arguments are those of :meth:`create`.

        Raises:
            NotFoundError: no such type or field.
            BadRequestError: the values were refused.
        """
        body = drop_none(name=name, type=type, required=required)
        body |= _body(label, config, order, default_value, options, position, active)
        path: PathValues = {"slug": type_slug, "field_id": field_id}
        return await self._client._call("fields.update", path, json=body, into=Field)

    async def delete(self, type_slug: str, field_id: int) -> None:
        """Delete a field of a type.

        Raises:
            NotFoundError: no such type or field.
        """
        await self._client._call("fields.delete", {"slug": type_slug, "field_id": field_id})


def _body(
    label: str | None,
    config: Mapping[str, Any] | None,
    order: int | None,
    default_value: str | int | float | bool | None,
    options: Options | None,
    position: int | None,
    active: bool | None,
) -> dict[str, Any]:
    """The optional body keys given, under their wire names."""
    if options is not None:
        options = dict(options) if isinstance(options, Mapping) else list(options)
    return drop_none(
        label=label,
        config=None if config is None else dict(config),
        order=order,
        defaultValue=default_value,
        options=options,
        position=position,
        active=active,
    )
