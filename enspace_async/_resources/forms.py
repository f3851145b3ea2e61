"""``client.forms``: the forms of a type."""

from __future__ import annotations

import builtins

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Form
from ._base import PathValues, Resource

__all__ = ["Forms"]


class Forms(Resource):
    """The forms of the types of the client's workspace."""

    def list(
        self, type_slug: str, *, page_size: int = MAX_PAGE_SIZE, start: int = 0
    ) -> AsyncPaginator[Form]:
        """Iterate over the forms of a type.

        Args:
            type_slug: the type's slug.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Form`.
        """
        path = {"slug": type_slug}
        return self._paginate("forms.list", Form, path, page_size=page_size, start=start)

    async def get(self, type_slug: str, form_id: int) -> Form:
        """Return one form of a type.

        Raises:
            NotFoundError: no such type or form.
        """
        path: PathValues = {"slug": type_slug, "form_id": form_id}
        return await self._client._call("forms.get", path, into=Form)

    async def list_for_create(self, type_slug: str) -> builtins.list[Form]:
        """Return the forms offered when creating an item of a type.

        Raises:
            NotFoundError: there is no such type.
        """
        path = {"slug": type_slug}
        return await self._client._call("forms.list_for_create", path, into=list[Form])
