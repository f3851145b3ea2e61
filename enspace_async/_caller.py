"""What resources and bulk jobs depend on: two small protocols, not the client.

:class:`Caller` is what a resource calls, its client (or view) as the resources see it: the
route table's one call path, and the options they read. :class:`ItemCalls` is what bulk jobs
and exports call on ``client.items``. :class:`~enspace_async.EnspaceClient` and
:class:`~enspace_async._resources.items.Items` satisfy them structurally, so neither
:mod:`._resources` nor :mod:`._bulk` imports the module of the thing it calls (an import test
guards the graph).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

if TYPE_CHECKING:
    from yarl import URL

    from ._middleware.telemetry import Binding
    from ._paging import AsyncPaginator
    from ._protocol.query import Query
    from ._schema import TypeSchema
    from .models import Item

__all__ = ["Caller", "ItemCalls", "Schemas"]

T = TypeVar("T")


class Schemas(Protocol):
    """Where a client's type schemas come from (``client.types``), cached per client."""

    async def schema(self, slug: str, *, refresh: bool = False) -> TypeSchema:
        """Return the schema of type ``slug``."""
        ...


class Caller(Protocol):
    """A client (or view) as its resources see it."""

    @property
    def workspace(self) -> str | None:
        """The workspace slug sent on workspace-scoped routes."""
        ...

    @property
    def base_url(self) -> URL:
        """The API root."""
        ...

    @property
    def types(self) -> Schemas:
        """The client's types resource, which caches their schemas."""
        ...

    @property
    def _telemetry(self) -> Binding | None:
        """The telemetry binding of the client's session, or ``None``."""
        ...

    @overload
    def _call(
        self,
        name: str,
        path_values: Mapping[str, str | int] | None = None,
        *,
        query: Query | None = None,
        json: Any = None,
        into: type[T],
    ) -> Awaitable[T]: ...

    @overload
    def _call(
        self,
        name: str,
        path_values: Mapping[str, str | int] | None = None,
        *,
        query: Query | None = None,
        json: Any = None,
        into: None = None,
    ) -> Awaitable[Any]: ...

    def _call(
        self,
        name: str,
        path_values: Mapping[str, str | int] | None = None,
        *,
        query: Query | None = None,
        json: Any = None,
        into: Any = None,
    ) -> Awaitable[Any]:
        """Call the route ``name`` of the route table (await what it returns)."""
        ...


class ItemCalls(Protocol):
    """The item methods bulk jobs and exports call (``client.items``)."""

    @property
    def _client(self) -> Caller:
        """The client (or view) the items are read and written through."""
        ...

    def list(
        self,
        type_slug: str,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = ...,
        start: int = 0,
    ) -> AsyncPaginator[Item]:
        """Iterate over the items of a type."""
        ...

    async def count(self, type_slug: str, *, filters: Mapping[str, Any] | None = None) -> int:
        """Return how many items of the type match the filters."""
        ...

    async def create(self, type_slug: str, data: Mapping[str, Any]) -> Item:
        """Create an item."""
        ...

    async def update(self, type_slug: str, reference: str, data: Mapping[str, Any]) -> Item:
        """Merge values into an item."""
        ...

    async def delete(self, type_slug: str, reference: str) -> None:
        """Delete an item."""
        ...
