"""Lists: query encoding (§3 of the API notes) and the offset paginator.

The API returns bare arrays, pages with ``_start`` (an offset) and ``_limit``, and silently caps
a page at 100 rows. A page shorter than asked for is therefore the last one — which only holds
if we never ask for more than 100, so a larger ``page_size`` is refused up front.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from ._converter import format_datetime
from ._errors import ConfigurationError, EnspaceError

__all__ = ["MAX_PAGE_SIZE", "AsyncPaginator", "Query", "encode_params", "list_query"]

T = TypeVar("T")
MAX_PAGE_SIZE = 100
Query = list[tuple[str, str]]
FetchPage = Callable[[int, int], Awaitable[list[T]]]


def encode_value(value: Any) -> str:
    """Encode one filter value: datetimes as UTC ``…Z``, bools as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return encode_value(value.value)
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigurationError(f"cannot send {type(value).__name__} as a query value")


def encode_params(params: Mapping[str, Any] | None) -> Query:
    """Encode query parameters; a list, tuple or set repeats the parameter once per value."""
    query: Query = []
    for key, value in (params or {}).items():
        if value is None:
            raise ConfigurationError(
                f"filter {key!r} is None; use '{key}_null': True to match nulls"
            )
        if isinstance(value, list | tuple | set | frozenset):
            query.extend((key, encode_value(v)) for v in value)
        else:
            query.append((key, encode_value(value)))
    return query


def list_query(
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | Iterable[str] | None = None,
    q: str | None = None,
) -> Query:
    """Build the filter, ``_sort`` and ``_q`` part of a list or count query."""
    query = encode_params(filters)
    if sort:
        query.append(("_sort", sort if isinstance(sort, str) else ",".join(sort)))
    if q:
        query.append(("_q", q))
    return query


def check_page_size(page_size: int) -> int:
    """Return ``page_size`` if the server would honour it in full, else raise."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ConfigurationError(f"page_size must be an integer from 1 to 100, got {page_size!r}")
    if page_size > MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"page_size {page_size} is over the server's cap of {MAX_PAGE_SIZE}: the server would "
            "silently return 100 rows and paging would stop early"
        )
    return page_size


class AsyncPaginator(Generic[T]):
    """Iterate over every row of a list endpoint, one page at a time.

    ``async for row in paginator`` yields rows; ``paginator.pages()`` yields whole pages.
    ``paginator.start`` is the offset of the next page to fetch: after an error, pass the
    error's ``resume_start`` as ``start=`` to pick up where it stopped.

    Args:
        fetch: ``fetch(start, limit)`` returns one page.
        page_size: rows per request, at most 100.
        start: the offset of the first row.
    """

    def __init__(self, fetch: FetchPage[T], *, page_size: int = MAX_PAGE_SIZE, start: int = 0):
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise ConfigurationError(f"start must be a non-negative integer, got {start!r}")
        self._fetch = fetch
        self.page_size = check_page_size(page_size)
        self.start = start
        self._done = False

    def __aiter__(self) -> AsyncIterator[T]:
        return _Rows(self)

    def pages(self) -> AsyncIterator[list[T]]:
        """Iterate page by page."""
        return _Pages(self)

    async def next_page(self) -> list[T]:
        if self._done:
            raise StopAsyncIteration
        try:
            page = await self._fetch(self.start, self.page_size)
        except EnspaceError as exc:
            exc.resume_start = self.start
            raise
        self.start += len(page)
        self._done = len(page) < self.page_size
        if not page:
            raise StopAsyncIteration
        return page

    async def collect(self, limit: int | None = None) -> list[T]:
        """Return every row (or the first ``limit``) as a list."""
        rows: list[T] = []
        async for page in self.pages():
            rows.extend(page)
            if limit is not None and len(rows) >= limit:
                return rows[:limit]
        return rows


class _Pages(AsyncIterator[list[T]]):
    def __init__(self, paginator: AsyncPaginator[T]):
        self._paginator = paginator

    async def __anext__(self) -> list[T]:
        return await self._paginator.next_page()


class _Rows(AsyncIterator[T]):
    def __init__(self, pages: AsyncPaginator[T]):
        self._pages = pages
        self._buffer: list[T] = []
        self._index = 0

    async def __anext__(self) -> T:
        while self._index >= len(self._buffer):
            self._buffer = await self._pages.next_page()
            self._index = 0
        row = self._buffer[self._index]
        self._index += 1
        return row
