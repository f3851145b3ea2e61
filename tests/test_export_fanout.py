"""The export's fan-out over real HTTP to the emulator: ``/count`` and the first pages at once,
rows in order whatever arrives first, a bounded window of pages, loud completeness failures, and
no request left running after ``break``, an error or cancellation."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from helpers import FAST

from enspace_async import (
    DecodeError,
    EnspaceError,
    Export,
    ExportIncompleteError,
    Handler,
    Request,
    Response,
    RetryPolicy,
)
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}
OURS = ("_Query.page", "_Query.count")


class Gate:
    """The emulator's injected sleep: a delayed answer waits until the test opens the gate."""

    def __init__(self, free: int = 0) -> None:
        self.open = asyncio.Event()
        self.free = free  # the first delayed answers go through at once
        self.waiting = 0
        self.entered = asyncio.Event()
        self.expect = 0

    async def __call__(self, seconds: float) -> None:
        if self.free:
            self.free -= 1
            return
        self.waiting += 1
        if self.waiting >= self.expect:
            self.entered.set()
        await self.open.wait()


class Trace:
    """A client middleware noting when each request left and when its answer came back."""

    def __init__(self, gate: Gate | None = None, release_after: int = 0) -> None:
        self.events: list[tuple[str, str]] = []
        self.gate, self.release_after, self.pages = gate, release_after, 0
        self.reached = asyncio.Event()  # release_after pages have come back

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        self.events.append(("sent", request.route or ""))
        try:
            return await call_next(request)
        finally:
            self.events.append(("answered", request.route or ""))
            if request.route == "items.list":
                self.pages += 1
                if self.pages >= self.release_after:
                    self.reached.set()
                    if self.gate is not None:
                        self.gate.open.set()


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest_asyncio.fixture
async def emu(gate: Gate) -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=5, sleep=gate) as emulator:
        yield emulator
        gate.open.set()  # let any answer still held finish before the emulator stops


def _ours() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t.get_coro().__qualname__ in OURS}  # type: ignore[union-attr]


def _lists(emu: EnspaceEmulator) -> list[int]:
    """The ``_start`` of every list request the emulator received, in arrival order."""
    starts = []
    for record in emu.requests:
        if record.route == "items.list":
            query = dict(part.split("=", 1) for part in record.query.split("&"))
            starts.append(int(query["_start"]))
    return starts


async def test_count_and_the_first_pages_are_on_the_wire_together(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("big", fields=FIELDS, items=1000)
    emu.faults.script("items.count", ["latency:1"])  # held until 4 pages have come back
    trace = Trace(gate, release_after=4)
    async with emu.client(retry=FAST, middlewares=[trace]) as client:
        async with asyncio.timeout(10):  # asking /count first would never end
            ids = [item.id async for item in client.items.export("big", concurrency=4)]
    assert ids == [row["id"] for row in emu.items("big")]
    assert trace.events[:5] == [("sent", "items.count")] + [("sent", "items.list")] * 4
    count_answered = trace.events.index(("answered", "items.count"))
    assert trace.events[:count_answered].count(("answered", "items.list")) >= 4
    assert sorted(_lists(emu)) == list(range(0, 1000, 100))  # each page once, none past the end


async def test_a_new_page_starts_as_soon_as_any_page_arrives(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("big", fields=FIELDS, items=600)
    emu.faults.script("items.list", ["latency:1"])  # the first page to arrive is held
    trace = Trace(release_after=3)
    async with emu.client(retry=FAST, middlewares=[trace]) as client:
        export = client.items.export("big", concurrency=2, page_size=50)
        reader = asyncio.create_task(anext(export))
        async with asyncio.timeout(10):  # refilling only as the oldest page is read: never
            await trace.reached.wait()  # the other slot went on: 3 pages while one is held
        assert gate.waiting == 1
        assert len(_lists(emu)) == 4  # then the window (2 x 2 pages) is full
        gate.open.set()
        first = await reader
        rest = [item.id async for item in export]
    assert [first.id, *rest] == [row["id"] for row in emu.items("big")]


async def test_a_slot_refills_when_its_answer_arrives_before_the_page_is_decoded(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("big", fields=FIELDS, items=500)
    emu.faults.add("latency", routes="items.list", seconds=1)  # pages wait for the gate
    emu.faults.add("malformed", routes="items.list", times=1)  # the first page is not JSON
    trace = Trace()
    async with emu.client(retry=FAST, middlewares=[trace]) as client:
        export = client.items.export("big", concurrency=1)
        reader = asyncio.create_task(anext(export))
        async with asyncio.timeout(10):
            await gate.entered.wait()  # the first page is held
            assert export._count is not None
            await export._count  # counted: from here on, no page is needed to find the end
            gate.open.set()
            with pytest.raises(DecodeError) as caught:
                await reader
        assert not _ours()
    # The next page left as the first one's answer came in, before that answer was decoded
    # (and found broken): a slot does not wait for its page's decoding.
    pages = [event for event in trace.events if event[1] == "items.list"]
    sent, answered = ("sent", "items.list"), ("answered", "items.list")
    assert pages[:3] == [sent, answered, sent]
    assert caught.value.resume_start == 0


async def test_the_window_bounds_pages_held_for_a_slow_reader(emu: EnspaceEmulator) -> None:
    emu.seed_type("big", fields=FIELDS, items=500)
    async with emu.client(retry=FAST) as client:
        export = client.items.export("big", concurrency=2, page_size=10)
        async with export:
            first = await anext(export)
            while export._running:
                await asyncio.wait(set(export._running))
            assert len(export._pages) == 4  # 2 x concurrency pages held, no more
            assert len(_lists(emu)) == 1 + 4  # the page being read, and the window
            ids = [first.id] + [item.id async for item in export]
    assert ids == [row["id"] for row in emu.items("big")]


async def test_short_pages_before_the_count_are_judged_by_the_count(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("small", fields=FIELDS, items=250)
    emu.faults.script("items.count", ["latency:1"])
    emu.faults.script("items.list", ["drop_rows:3"])  # the first page to arrive is cut
    trace = Trace(gate, release_after=8)
    async with emu.client(retry=FAST, middlewares=[trace]) as client:
        export = client.items.export("small", concurrency=8)
        async with asyncio.timeout(10):
            ids = [item.id async for item in export]
    assert ids == [row["id"] for row in emu.items("small")]
    assert (export.total, export.received) == (250, 250)
    starts = _lists(emu)
    assert sorted(starts[:8]) == list(range(0, 800, 100))  # planned before the count was known
    assert len(starts) == 9  # one refetch of the cut page, nothing past the end


async def test_rows_dropped_before_the_count_still_fail_loudly(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("big", fields=FIELDS, items=1000)
    emu.faults.script("items.count", ["latency:1"])
    emu.faults.add("drop_rows", routes="items.list", rows=1)
    trace = Trace(gate, release_after=4)
    seen: list[int] = []
    async with emu.client(retry=FAST, middlewares=[trace]) as client:

        async def read() -> None:
            async for item in client.items.export("big", concurrency=4):
                seen.append(item.id)

        with pytest.raises(ExportIncompleteError) as caught:
            await read()
        assert not _ours()
    assert (caught.value.offset, caught.value.expected, caught.value.received) == (0, 100, 99)
    assert seen == []


async def test_a_failed_page_carries_its_offset_and_stops_the_export(
    emu: EnspaceEmulator,
) -> None:
    emu.seed_type("big", fields=FIELDS, items=1000)
    emu.faults.script("items.list", ["ok", "ok", "ok", "500"])
    async with emu.client(retry=RetryPolicy(max_attempts=1)) as client:
        seen: list[int] = []

        async def read() -> None:
            async for item in client.items.export("big", concurrency=1):
                seen.append(item.id)

        with pytest.raises(EnspaceError) as caught:
            await read()
        assert not _ours()
    assert caught.value.resume_start == 300
    assert seen == [row["id"] for row in emu.items("big")][:300]


async def test_break_without_aclose_cancels_the_pages_in_flight(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("big", fields=FIELDS, items=1000)
    emu.faults.add("latency", routes="items.list", seconds=1)
    gate.free, gate.expect = 1, 1  # the first page answers; every later one is held
    async with emu.client(retry=FAST) as client:
        async for item in client.items.export("big", concurrency=1):
            assert item.id == emu.items("big")[0]["id"]
            await gate.entered.wait()  # the next page is on the wire
            pending = _ours()
            assert pending
            break
        gc.collect()  # CPython frees the export at once; this only makes it explicit
        await asyncio.wait(pending)
        assert all(task.cancelled() for task in pending)
        assert not _ours()


async def test_cancelling_the_reader_cancels_every_request(
    emu: EnspaceEmulator, gate: Gate
) -> None:
    emu.seed_type("big", fields=FIELDS, items=1000)
    emu.faults.add("latency", routes="items.*", seconds=1)  # count and pages all held
    gate.expect = 5
    async with emu.client(retry=FAST) as client:
        export = client.items.export("big", concurrency=4)
        reader = asyncio.create_task(anext(export))
        await gate.entered.wait()
        pending = _ours()
        assert len(pending) == 5
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        assert all(task.cancelled() for task in pending)
        assert not _ours()
        assert isinstance(export, Export)
