"""Plain iterators over the async client's paginators and async iterators.

Each step runs on the sync client's loop and pulls up to a page of rows (one hand-over per
page, not per row, and never more than a page ahead), so nothing ever holds the whole list.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from .._errors import ClientClosedError
from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE

if TYPE_CHECKING:
    from .._bulk import Export
    from ..models import Item
    from ._portal import Portal

__all__ = ["SyncExport", "SyncIterator", "SyncPaginator"]

T = TypeVar("T")


class SyncPaginator(Generic[T]):
    """Iterate over every row of a list endpoint, one page per request, from sync code.

    ``for row in paginator`` yields rows; ``paginator.pages()`` yields whole pages;
    ``paginator.collect()`` returns a list. Each runs the listing afresh from ``start``. An
    error raised while paging carries ``resume_start``: pass it as ``start=`` to pick up where
    it stopped.
    """

    def __init__(self, portal: Portal, paginator: AsyncPaginator[T]):
        self._portal, self._generation = portal, portal.generation
        self._paginator = paginator

    def __repr__(self) -> str:
        return f"<SyncPaginator of {self._paginator!r}>"

    @property
    def start(self) -> int:
        """The offset of the first row."""
        return self._paginator.start

    @property
    def page_size(self) -> int:
        """Rows per request."""
        return self._paginator.page_size

    def __iter__(self) -> SyncIterator[T]:
        # A batch of page_size rows is exactly one page: one request per hand-over.
        rows = aiter(self._paginator)
        return SyncIterator(self._portal, rows, self.page_size, self._generation)

    def pages(self) -> SyncIterator[list[T]]:
        """Iterate page by page."""
        return SyncIterator(self._portal, self._paginator.pages(), 1, self._generation)

    def collect(self, limit: int | None = None) -> list[T]:
        """Return every row (or the first ``limit``) as a list."""
        return self._portal.run(self._paginator.collect(limit), self._generation)


class SyncIterator(Iterator[T]):
    """A plain iterator over an async iterator of the client, a page of rows per hand-over.

    Use it in a ``with`` block (or call :meth:`close`) to stop the requests it started when
    you leave the loop early; one dropped unclosed is closed on the loop when collected.
    """

    def __init__(
        self,
        portal: Portal,
        iterator: AsyncIterator[T],
        batch: int = MAX_PAGE_SIZE,
        generation: int | None = None,
    ):
        self._portal = portal
        self._generation = portal.generation if generation is None else generation
        self._iterator = iterator
        self._batch = batch
        self._rows: deque[T] = deque()
        self._end: BaseException | None = None  # raised once the buffered rows are read
        self._closed = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        while not self._rows:
            if self._end is not None:
                end, self._end = self._end, None
                if isinstance(end, StopAsyncIteration):
                    self._end, self._closed = end, True  # exhausted for good
                    raise StopIteration
                raise end
            if self._closed:
                raise StopIteration
            rows, self._end = self._portal.run(_take(self._iterator, self._batch), self._generation)
            self._rows.extend(rows)
        return self._rows.popleft()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop: cancel the requests still running for this iterator."""
        if self._closed:
            return
        self._closed = True
        self._rows.clear()
        mine = self._generation == self._portal.generation  # else the parent's: left alone
        if mine and hasattr(self._iterator, "aclose"):
            with contextlib.suppress(ClientClosedError):  # closing the client ended it already
                self._portal.run(_close(self._iterator), self._generation)

    def __del__(self) -> None:
        if "_closed" in self.__dict__ and not self._closed and hasattr(self._iterator, "aclose"):
            self._closed = True
            self._portal.spawn(_close(self._iterator), self._generation)


class SyncExport(SyncIterator["Item"]):
    """Every matching item, pages fetched concurrently on the loop, rows in order.

    Use it as ``with client.items.export("contracts") as rows: for item in rows: ...``:
    leaving the block cancels the page requests still running.

    Attributes:
        total: what ``/count`` said (``None`` until it answered).
        received: rows read so far.
    """

    def __init__(self, portal: Portal, export: Export, batch: int = MAX_PAGE_SIZE):
        super().__init__(portal, export, batch)
        self._export = export
        self.received = 0

    @property
    def total(self) -> int | None:
        """What ``/count`` said when the export began (``None`` until it answered)."""
        return self._export.total

    def __next__(self) -> Item:
        item = super().__next__()
        self.received += 1
        return item


async def _take(iterator: AsyncIterator[T], size: int) -> tuple[list[T], BaseException | None]:
    """Pull up to ``size`` rows; an error after some rows is returned to raise after them."""
    rows: list[T] = []
    try:
        while len(rows) < size:
            rows.append(await anext(iterator))
    except StopAsyncIteration as end:
        return rows, end
    except Exception as error:
        if not rows:
            raise
        return rows, error
    return rows, None


async def _close(iterator: Any) -> None:
    await iterator.aclose()
