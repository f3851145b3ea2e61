"""What every resource shares: a :class:`~enspace_async._caller.Caller` to call through, and
the list and count helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import GenericAlias
from typing import Any, TypeVar, cast

from .._caller import Caller
from .._converter import show, structure
from .._errors import DecodeError
from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE, Query, list_query, page_rows
from .._protocol.routes import route

__all__ = ["PathValues", "Resource", "drop_none", "parse_count", "query_of"]

T = TypeVar("T")
PathValues = Mapping[str, str | int]


class Resource:
    """A group of endpoints bound to one client (or view), through what it calls."""

    def __init__(self, client: Caller):
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _paginate(
        self,
        name: str,
        into: type[T],
        path: PathValues | None = None,
        *,
        query: Sequence[tuple[str, str]] | None = (),
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[T]:
        """Page through the list route ``name``; a ``None`` query matches no row, unasked."""
        target = route(name)
        source = f"{name} {target.method} {target.path(**(path or {}))}"  # checks the path now
        rows = GenericAlias(list, (into,))  # list[into], spelt so a type checker accepts it

        async def fetch(offset: int, limit: int) -> list[T]:
            if query is None:
                return []
            page = [*query, ("_start", str(offset)), ("_limit", str(limit))]
            body = await self._client._call(name, path, query=page)
            return cast("list[T]", structure(page_rows(body), rows))

        return AsyncPaginator(fetch, page_size=page_size, start=start, source=source)

    async def _count(
        self,
        name: str,
        path: PathValues | None = None,
        *,
        query: Sequence[tuple[str, str]] | None = (),
    ) -> int:
        """Ask the count route ``name``; a ``None`` query matches no row, so it is 0 unasked."""
        if query is None:
            return 0
        return parse_count(await self._client._call(name, path, query=list(query)))


def parse_count(value: Any) -> int:
    """Read a count answer: a bare integer, or ``{"count": n}`` on some routes.

    Raises:
        DecodeError: not a non-negative whole number (``"42"``, ``3.9``, ``true``, ``-1``).
    """
    count = value.get("count") if type(value) is dict else value
    if type(count) is float and count.is_integer():  # 3.0 is the number 3; 3.9 is no count
        count = int(count)
    if type(count) is not int or count < 0:
        raise DecodeError(
            f"a count must be a non-negative integer, got {show(count)}",
            path="$.count" if type(value) is dict else "$",
            excerpt=show(value),
        )
    return count


def query_of(
    filters: Mapping[str, Any] | None,
    sort: str | Iterable[str] | None,
    q: str | None,
    **own: Any,
) -> Query | None:
    """The filter/sort/search part of a list query (``None``: it matches no row).

    ``own`` are the filters a method sets from its own arguments (see :func:`list_query`).
    """
    return list_query(filters=filters, sort=sort, q=q, **own)


def drop_none(**values: Any) -> dict[str, Any]:
    """Return the keyword arguments that are not ``None``: the optional body keys given."""
    return {k: v for k, v in values.items() if v is not None}
