"""Reading at scale: a planned concurrent export, keyset iteration, and changes since a time.

* :class:`Export` keeps ``concurrency`` page requests on the wire and yields the rows in order.
  It asks ``/count`` and the first pages at once (offsets 0, ``page_size``, …), starts the next
  page as soon as any page's answer arrives (once the count is known, before that page is
  decoded), stops planning at the count, and holds at most ``2 * concurrency`` pages (fetching,
  decoding or fetched, not yet read), so memory stays bounded however slow the reader. The count
  rides alongside the first pages when the client may have ``concurrency + 1`` requests in
  flight (its transport's ``pool_size``, 100 by default); on a pool of exactly ``concurrency``
  it holds one page back for the first round. Lists may be cut without warning (§3 of the API
  notes), so every page is checked against the count: a short page is fetched once more, and if
  it is still short the export raises :class:`ExportIncompleteError` rather than return less.
  Offsets shift when others insert or delete while it runs: export a quiet type, or use keyset.
* :func:`iter_keyset` pages by ``id_gt`` in ``id`` order: a row written meanwhile never shifts
  the next page, so no row that existed when the iteration started is skipped or repeated.
* :func:`changes_since` pages by ``(updated_at, id)``: the rows of one timestamp in ``id`` order
  (``updated_at=t`` and ``id_gt``), then the rows after it (``updated_at_gt=t``), so rows that
  share a timestamp at a page boundary are neither repeated nor skipped.

All three end where :func:`~enspace_async._protocol.query.is_last_page` says the list ends (a page
shorter than asked; one longer than asked raises :class:`DecodeError`), as the paginator does.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

import attrs

from .._converter import format_datetime
from .._errors import ConfigurationError, EnspaceError
from .._http import Request, Response
from .._middleware.telemetry import NO_PARENT, start_parent
from .._protocol.query import MAX_PAGE_SIZE, check_page_size, is_last_page
from .._session import StandIn, Viewable
from ..models import Item

if TYPE_CHECKING:
    from .._caller import ItemCalls
    from .._session import Session

__all__ = ["Export", "ExportIncompleteError", "changes_since", "iter_keyset"]

_REFETCHES = 1
_WINDOW = 2  # pages held (fetching or fetched, unread) per unit of concurrency


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


class _Client(Viewable, Protocol):
    """What an export needs of the client behind ``client.items``: a view of its own."""

    @property
    def items(self) -> ItemCalls:
        """The view's items."""
        ...


class _Arrivals(StandIn):
    """The session of an export's view: the client's own, telling the export of each answer.

    A slot is refilled as soon as its page's answer is in, not once the page is decoded: the
    answers of one round arrive together, and decoding each before the next request leaves
    would hold every later refill back by the decoding of the pages ahead of it.
    """

    def __init__(self, session: Session, arrived: Callable[[], int]):
        super().__init__(session)
        self._arrived = arrived

    async def handler(self, request: Request) -> Response:
        response = await self._session.handler(request)
        if self._arrived():
            await asyncio.sleep(0)  # the new request goes on the wire before this page decodes
        return response


@attrs.frozen
class _Query:
    """What every request of one export asks; holds no reference to the :class:`Export`."""

    items: ItemCalls
    slug: str
    filters: dict[str, Any]
    sort: str | Iterable[str]
    page_size: int

    async def count(self) -> int:
        return await self.items.count(self.slug, filters=self.filters)

    async def page(self, offset: int) -> list[Item]:
        paginator = self.items.list(
            self.slug, filters=self.filters, sort=self.sort, page_size=self.page_size, start=offset
        )
        return await anext(paginator.pages(), [])


class Export(AsyncIterator[Item]):
    """Iterate over every item of a type, pages fetched concurrently, rows in order.

    Use ``async for`` (ideally inside ``async with``): leaving the loop early, an error, or
    cancelling the reader cancels the page requests still running. An export dropped without
    :meth:`aclose` cancels them when it is garbage collected.

    Attributes:
        total: what ``/count`` said (``None`` until it answered).
        received: rows yielded so far.
    """

    def __init__(
        self,
        items: ItemCalls,
        type_slug: str,
        *,
        concurrency: int = 8,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ):
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError(f"concurrency must be a positive integer, got {concurrency!r}")
        client = cast("_Client", items._client)
        view = _Arrivals(client._session, partial(_arrived, weakref.ref(self))).view(client)
        self._query = _Query(
            view.items, type_slug, dict(filters or {}), sort or "id:asc", check_page_size(page_size)
        )
        self._concurrency, self._window = concurrency, _WINDOW * concurrency
        self._pages: deque[tuple[int, asyncio.Task[list[Item]]]] = deque()  # in offset order
        self._running: set[asyncio.Task[list[Item]]] = set()
        self._count: asyncio.Task[int] | None = None
        self._next = 0  # the offset of the next page to plan
        self._end: int | None = None  # no page is planned from here on
        self._stopped = False  # closed, or a page failed (the reader raises when it gets there)
        self._rows: deque[Item] = deque()
        self._telemetry = items._client._telemetry
        self._span = NO_PARENT  # the export's span, from the first row asked to the end
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

    def __del__(self) -> None:
        if "_pages" not in self.__dict__:  # __init__ refused its arguments
            return
        with contextlib.suppress(RuntimeError):  # the event loop is already closed
            self._cancel()
        self._end_span()

    async def __anext__(self) -> Item:
        while not self._rows:
            if self._count is None:
                self._start()
            if not self._pages and self._fill() == 0:
                self._end_span()
                raise StopAsyncIteration
            try:
                self._rows.extend(await self._next_page())
            except BaseException as exc:
                self._end_span(exc)
                await self.aclose()
                raise
        self.received += 1
        return self._rows.popleft()

    async def aclose(self) -> None:
        """Cancel the count and page requests still running, and wait until they end."""
        tasks = self._cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._end_span()

    def _end_span(self, error: BaseException | None = None) -> None:
        self._span.add(
            {"enspace.export.total": self.total or 0, "enspace.export.received": self.received}
        )
        self._span.end(error)

    def _cancel(self) -> list[asyncio.Task[Any]]:
        tasks: list[asyncio.Task[Any]] = [task for _, task in self._pages]
        if self._count is not None and not self._count.done():
            tasks.append(self._count)
        self._stopped = True  # a count or page answer still on its way starts nothing more
        self._pages.clear()
        self._running.clear()
        for task in tasks:
            task.cancel()
        return tasks

    def _start(self) -> None:
        """Ask ``/count`` and the first pages at once."""
        query = self._query
        attributes: dict[str, str | int] = {
            "enspace.type_slug": query.slug,
            "enspace.concurrency": self._concurrency,
        }
        if query.items._client.workspace is not None:
            attributes["enspace.workspace"] = query.items._client.workspace
        self._span = start_parent(self._telemetry, "enspace.export", attributes)
        with self._span.current():  # the export's span is the parent of its calls
            self._count = asyncio.create_task(query.count())
        self._count.add_done_callback(partial(_counted, weakref.ref(self)))
        self._fill()

    def _fill(self) -> int:
        """Start pages while fewer than ``concurrency`` run and the window has room."""
        started = 0
        size = self._query.page_size
        while len(self._running) < self._concurrency and len(self._pages) < self._window:
            if self._stopped or (self._end is not None and self._next >= self._end):
                break
            offset, self._next = self._next, self._next + size
            with self._span.current():
                task = asyncio.create_task(self._query.page(offset))
            task.add_done_callback(partial(_fetched, weakref.ref(self), offset))
            self._pages.append((offset, task))
            self._running.add(task)
            started += 1
        return started

    def _on_count(self, total: int) -> None:
        """Plan up to the count: pages already started past it are dropped."""
        self.total, self._end = total, total
        while self._pages and self._pages[-1][0] >= total:
            _, task = self._pages.pop()
            self._running.discard(task)
            task.cancel()
        self._fill()

    def _on_page(self, task: asyncio.Task[list[Item]], offset: int, rows: int | None) -> None:
        """A page arrived (``rows``; ``None``: it failed): start the next ones."""
        self._running.discard(task)
        if rows is None:
            self._stopped = True
        elif self.total is None and is_last_page(self._query.page_size, rows):
            end = offset + self._query.page_size  # the rows seem to end here; the count decides
            self._end = end if self._end is None else min(self._end, end)
        self._fill()

    async def _next_page(self) -> list[Item]:
        offset, task = self._pages[0]
        # asyncio.wait, not await: the reader never sees the cancellation of a dropped page,
        # and the page stays in _pages, so aclose() ends it if the reader is cancelled.
        await asyncio.wait((task,))
        if not self._pages or self._pages[0][1] is not task:  # dropped: it starts past the count
            return []
        self._pages.popleft()
        page = task.result()
        self._fill()
        total = await self._counted()
        expected = min(self._query.page_size, total - offset)
        for _ in range(_REFETCHES):
            if len(page) >= expected:
                break
            with self._span.current():
                page = await self._query.page(offset)
        if len(page) < expected:
            raise ExportIncompleteError(
                expected=expected, received=len(page), offset=offset, total=total
            )
        return page

    async def _counted(self) -> int:
        if self.total is None:
            assert self._count is not None
            total = await self._count
            if self.total is None:  # the done callback may have run meanwhile
                self._on_count(total)
        assert self.total is not None
        return self.total


def _counted(ref: weakref.ref[Export], task: asyncio.Task[int]) -> None:
    export = ref()
    if task.cancelled() or task.exception() is not None:  # the reader raises it
        return
    if export is not None and export.total is None:
        export._on_count(task.result())


def _arrived(ref: weakref.ref[Export]) -> int:
    """A page's answer is in (its task is the current one): free its slot; return pages started.

    Until ``/count`` answers, the slot stays taken until the page is decoded: only its rows can
    tell whether the list ends there, and no page past the end should be asked for.
    """
    export, task = ref(), asyncio.current_task()
    if export is None or export.total is None or task not in export._running:
        return 0  # also /count itself, and a page fetched again by the reader
    export._running.discard(task)
    return export._fill()


def _fetched(ref: weakref.ref[Export], offset: int, task: asyncio.Task[list[Item]]) -> None:
    export = ref()
    if task.cancelled():
        return
    rows = None if task.exception() is not None else len(task.result())
    if export is not None:
        export._on_page(task, offset, rows)


async def iter_keyset(
    items: ItemCalls,
    type_slug: str,
    *,
    filters: Mapping[str, Any] | None = None,
    after_id: int = 0,
    page_size: int = MAX_PAGE_SIZE,
) -> AsyncIterator[Item]:
    """Yield items in ``id`` order, paging by ``id_gt`` (see the module docstring)."""
    base = dict(filters or {})
    page_size = check_page_size(page_size)
    if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
        raise ConfigurationError(f"after_id must be a non-negative integer, got {after_id!r}")
    while True:
        page = await _page(items, type_slug, {**base, "id_gt": after_id}, "id:asc", page_size)
        for item in page:
            yield item
        if is_last_page(page_size, len(page)):
            return
        after_id = page[-1].id


async def changes_since(
    items: ItemCalls,
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
        if is_last_page(page_size, len(page)):
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
    items: ItemCalls, type_slug: str, base: dict[str, Any], stamp: str, after_id: int, size: int
) -> AsyncIterator[Item]:
    """The rest of the rows updated exactly at ``stamp``, after ``after_id``."""
    async for item in iter_keyset(
        items, type_slug, filters={**base, "updated_at": stamp}, after_id=after_id, page_size=size
    ):
        yield item


async def _page(
    items: ItemCalls, type_slug: str, filters: dict[str, Any], sort: str, size: int
) -> list[Item]:
    return await items.list(type_slug, filters=filters, sort=sort, page_size=size).collect(size)
