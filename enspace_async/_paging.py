"""The offset paginator every list method returns; the page rules are in :mod:`._protocol.query`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from ._errors import ConfigurationError, DecodeError, EnspaceError
from ._protocol.query import MAX_PAGE_SIZE, check_page_size, is_last_page

__all__ = ["AsyncPaginator"]

T = TypeVar("T")
FetchPage = Callable[[int, int], Awaitable[list[T]]]


class AsyncPaginator(Generic[T]):
    """Iterate over every row of a list endpoint, one page at a time.

    ``async for row in paginator`` yields rows; ``paginator.pages()`` yields whole pages;
    ``await paginator.collect()`` returns them as a list. Each of these runs the listing
    afresh from ``start``: iterating twice fetches every page twice, and two loops over one
    paginator at once each see every row. An error raised while paging carries
    ``resume_start``, the offset of the page that failed: pass it as ``start=`` to pick up
    where it stopped. The paginator writes it into the error it caught and raises that same
    error again, as Python's own ``add_note`` does: exceptions are mutable records, not
    frozen values, and a new error would lose the original's class, traceback and chain. A page that is not a JSON array, or longer than asked, raises
    :class:`DecodeError` naming ``source`` and the offset.

    Args:
        fetch: ``fetch(start, limit)`` returns one page.
        page_size: rows per request, at most 100.
        start: the offset of the first row.
        source: what the pages come from, for error messages (``"items.list GET /ws/..."``).
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
        source: str = "the list",
    ):
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise ConfigurationError(f"start must be a non-negative integer, got {start!r}")
        self._fetch = fetch
        self.page_size = check_page_size(page_size)
        self.start = start
        self.source = source

    def __repr__(self) -> str:
        return f"<AsyncPaginator {self.source} start={self.start} page_size={self.page_size}>"

    def __aiter__(self) -> AsyncIterator[T]:
        return _Rows(self.pages())

    def pages(self) -> AsyncIterator[list[T]]:
        """Iterate page by page, from ``start``."""
        return _Pages(self)

    async def collect(self, limit: int | None = None) -> list[T]:
        """Return every row (or the first ``limit``) as a list."""
        rows: list[T] = []
        async for page in self.pages():
            rows.extend(page)
            if limit is not None and len(rows) >= limit:
                return rows[:limit]
        return rows


class _Pages(AsyncIterator[list[T]]):
    """One run of a listing: the offset of the next page, and whether the last one came."""

    def __init__(self, paginator: AsyncPaginator[T]):
        self._paginator = paginator
        self._offset = paginator.start
        self._done = False

    async def __anext__(self) -> list[T]:
        if self._done:
            raise StopAsyncIteration
        paginator, offset = self._paginator, self._offset
        try:
            page = await paginator._fetch(offset, paginator.page_size)
            self._done = is_last_page(paginator.page_size, len(page))
        except EnspaceError as exc:
            exc.resume_start = offset  # annotated in place; see the class docstring
            if isinstance(exc, DecodeError):
                _locate(exc, f"{paginator.source}, the page at offset {offset}")
            raise
        self._offset += len(page)
        if not page:
            raise StopAsyncIteration
        return page


def _locate(error: DecodeError, where: str) -> None:
    """Say in ``error`` which page it came from; its path within the page stays."""
    error.message = f"{where}: {error.message}"
    error.args = (str(error),)


class _Rows(AsyncIterator[T]):
    def __init__(self, pages: AsyncIterator[list[T]]):
        self._pages = pages
        self._buffer: list[T] = []
        self._index = 0

    async def __anext__(self) -> T:
        while self._index >= len(self._buffer):
            self._buffer = await anext(self._pages)
            self._index = 0
        row = self._buffer[self._index]
        self._index += 1
        return row
