"""Reading at scale: a planned concurrent export, keyset iteration, and changes since a time.

* :class:`Export` asks ``/count`` first, plans the page offsets, fetches up to ``concurrency``
  pages at once and yields the rows in order. Lists may be cut without warning (§3 of the API
  notes), so every page is checked against the count: a short page is fetched once more, and if
  it is still short the export raises :class:`ExportIncompleteError` rather than return less.
  Offsets shift when others insert or delete while it runs: export a quiet type, or use keyset.
* :func:`iter_keyset` pages by ``id_gt`` in ``id`` order: a row written meanwhile never shifts
  the next page, so no row that existed when the iteration started is skipped or repeated.
* :func:`changes_since` pages by ``(updated_at, id)``: the rows of one timestamp in ``id`` order
  (``updated_at=t`` and ``id_gt``), then the rows after it (``updated_at_gt=t``), so rows that
  share a timestamp at a page boundary are neither repeated nor skipped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from .._converter import format_datetime
from .._errors import ConfigurationError, EnspaceError
from .._paging import MAX_PAGE_SIZE, check_page_size
from ..models import Item

if TYPE_CHECKING:
    from .._resources.items import Items

__all__ = ["Export", "ExportIncompleteError", "changes_since", "iter_keyset"]

_REFETCHES = 1


class ExportIncompleteError(EnspaceError):
    """An export received fewer rows than ``/count`` promised: the server cut a page.

    Attributes:
        expected: rows the page at ``offset`` should have held.
        received: rows it held (after fetching it again).
        offset: where the short page starts; ``resume_start`` is the same offset.
        total: what ``/count`` said when the export began.
    """

    def __init__(self, *, expected: int, received: int, offset: int, total: int):
        self.expected, self.received, self.offset, self.total = expected, received, offset, total
        self.resume_start = offset
        super().__init__(
            f"export incomplete: the page at offset {offset} held {received} of {expected} "
            f"rows ({total} counted); rows went missing, so the export stopped"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.expected, self.received, self.offset, self.total))


def _rebuild(expected: int, received: int, offset: int, total: int) -> ExportIncompleteError:
    return ExportIncompleteError(expected=expected, received=received, offset=offset, total=total)


class Export(AsyncIterator[Item]):
    """Iterate over every item of a type, pages fetched concurrently, rows in order.

    Use ``async for``; leaving the loop early leaves page requests running until they end or
    :meth:`aclose` (or ``async with``) cancels them.
    """

    def __init__(
        self,
        items: Items,
        type_slug: str,
        *,
        concurrency: int = 8,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ):
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError(f"concurrency must be a positive integer, got {concurrency!r}")
        self._items, self._slug = items, type_slug
        self._filters, self._sort = dict(filters or {}), sort or "id:asc"
        self._concurrency, self._page_size = concurrency, check_page_size(page_size)
        self._pending: deque[tuple[int, asyncio.Task[list[Item]]]] = deque()
        self._offsets: Iterator[int] | None = None
        self._rows: deque[Item] = deque()
        self.total: int | None = None
        self.received = 0

    def __aiter__(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def __anext__(self) -> Item:
        while not self._rows:
            if self._offsets is None:
                await self._plan()
            if not self._pending:
                raise StopAsyncIteration
            self._rows.extend(await self._next_page())
        self.received += 1
        return self._rows.popleft()

    async def aclose(self) -> None:
        """Cancel the page requests still running."""
        tasks = [task for _, task in self._pending]
        self._pending.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _plan(self) -> None:
        self.total = await self._items.count(self._slug, filters=self._filters)
        self._offsets = iter(range(0, self.total, self._page_size))
        self._fill()

    def _fill(self) -> None:
        assert self._offsets is not None
        while len(self._pending) < self._concurrency:
            offset = next(self._offsets, None)
            if offset is None:
                return
            self._pending.append((offset, asyncio.create_task(self._fetch(offset))))

    async def _fetch(self, offset: int) -> list[Item]:
        paginator = self._items.list(
            self._slug,
            filters=self._filters,
            sort=self._sort,
            page_size=self._page_size,
            start=offset,
        )
        return await anext(paginator.pages(), [])

    async def _next_page(self) -> list[Item]:
        offset, task = self._pending.popleft()
        try:
            page = await task
        except BaseException:
            await self.aclose()
            raise
        self._fill()
        assert self.total is not None
        expected = min(self._page_size, self.total - offset)
        for _ in range(_REFETCHES):
            if len(page) >= expected:
                break
            page = await self._fetch(offset)
        if len(page) < expected:
            await self.aclose()
            raise ExportIncompleteError(
                expected=expected, received=len(page), offset=offset, total=self.total
            )
        return page


async def iter_keyset(
    items: Items,
    type_slug: str,
    *,
    filters: Mapping[str, Any] | None = None,
    after_id: int = 0,
    page_size: int = MAX_PAGE_SIZE,
) -> AsyncIterator[Item]:
    """Yield items in ``id`` order, paging by ``id_gt`` (see the module docstring)."""
    base = dict(filters or {})
    page_size = check_page_size(page_size)
    while True:
        page = await _page(items, type_slug, {**base, "id_gt": after_id}, "id:asc", page_size)
        if not page:
            return  # a short page is not trusted to be the end: lists may be cut
        for item in page:
            yield item
        after_id = page[-1].id


async def changes_since(
    items: Items,
    type_slug: str,
    since: datetime | str,
    *,
    after_id: int | None = None,
    filters: Mapping[str, Any] | None = None,
    page_size: int = MAX_PAGE_SIZE,
) -> AsyncIterator[Item]:
    """Yield items updated at or after ``since`` in ``(updated_at, id)`` order."""
    base = dict(filters or {})
    page_size = check_page_size(page_size)
    stamp = format_datetime(since) if isinstance(since, datetime) else since
    if after_id is not None:
        async for item in _same_stamp(items, type_slug, base, stamp, after_id, page_size):
            yield item
    op = "updated_at_gte" if after_id is None else "updated_at_gt"
    sort = "updated_at:asc,id:asc"
    while True:
        page = await _page(items, type_slug, {**base, op: stamp}, sort, page_size)
        for item in page:
            yield item
        if len(page) < page_size:
            return
        last = page[-1]
        stamp, op = _stamp(last), "updated_at_gt"
        async for item in _same_stamp(items, type_slug, base, stamp, last.id, page_size):
            yield item


def _stamp(item: Item) -> str:
    if item.updated_at is None:
        raise ConfigurationError(f"item {item.reference} has no updated_at to page by")
    return format_datetime(item.updated_at)


async def _same_stamp(
    items: Items, type_slug: str, base: dict[str, Any], stamp: str, after_id: int, size: int
) -> AsyncIterator[Item]:
    """The rest of the rows updated exactly at ``stamp``, after ``after_id``."""
    async for item in iter_keyset(
        items, type_slug, filters={**base, "updated_at": stamp}, after_id=after_id, page_size=size
    ):
        yield item


async def _page(
    items: Items, type_slug: str, filters: dict[str, Any], sort: str, size: int
) -> list[Item]:
    return await items.list(type_slug, filters=filters, sort=sort, page_size=size).collect(size)
