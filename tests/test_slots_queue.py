"""Issue 18, point 4: a caller queued for an in-flight slot costs one future and one frame.

Callers that outnumber the pool all queue in :class:`Slots`; every object a queued caller
holds lives through several young collections, is promoted, and feeds the full ones (at 512
callers on 100 slots they were most of a queued call's cost). These tests pin the queue's
footprint and the races of its O(1) leaving: a caller that leaves stays queued, done, until
``give`` passes it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

import pytest

from enspace_async._ratelimit.slots import Slots

WAITERS = 500


class Alarm:
    """An alarm the test rings by hand."""

    def __init__(self) -> None:
        self.ring: Callable[[], None] | None = None
        self.armed = 0

    def __call__(self, seconds: float, ring: Callable[[], None]) -> Alarm:
        self.ring, self.armed = ring, self.armed + 1
        return self

    def cancel(self) -> None:
        self.ring = None

    def fire(self) -> None:
        assert self.ring is not None, "no alarm is armed"
        ring, self.ring = self.ring, None
        ring()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def tracked(run: Callable[[], object]) -> int:
    gc.collect()
    before = len(gc.get_objects())
    kept = run()
    count = len(gc.get_objects()) - before
    del kept
    return count


async def test_a_queued_caller_holds_one_future_and_its_frame_nothing_more() -> None:
    slots = Slots(1, Alarm(), clock=lambda: 0.0)
    assert slots.try_take()
    loop = asyncio.get_running_loop()

    async def on_a_future() -> bool:
        return await loop.create_future()  # the least a waiting task can hold

    async def queued(until: float) -> bool:
        return await slots.take(until)

    floor: list[asyncio.Task[bool]] = []
    ours: list[asyncio.Task[bool]] = []
    async with asyncio.timeout(5):
        gc.collect()
        start = len(gc.get_objects())
        floor += [asyncio.create_task(on_a_future()) for _ in range(WAITERS)]
        await settle()
        middle = len(gc.get_objects())
        ours += [asyncio.create_task(queued(100.0 + n)) for n in range(WAITERS)]
        await settle()
        end = len(gc.get_objects())
        assert slots.queued == WAITERS
        extra = ((end - middle) - (middle - start)) / WAITERS
        assert extra <= 1.05, f"{extra:.2f} objects per queued caller beyond the floor"
        for task in floor + ours:
            task.cancel()
        await asyncio.gather(*floor, *ours, return_exceptions=True)
    slots.give()
    assert slots.idle


async def test_callers_who_leave_do_not_pile_up_in_a_stuck_queue() -> None:
    alarm = Alarm()
    slots = Slots(1, alarm, clock=lambda: 0.0)
    assert slots.try_take()  # held for good: nobody is ever handed a slot
    async with asyncio.timeout(5):
        patient = asyncio.create_task(slots.take())
        for round_ in range(20):
            leaving = [asyncio.create_task(slots.take(50.0)) for _ in range(100)]
            await settle()
            for task in leaving:
                task.cancel()
            await asyncio.gather(*leaving, return_exceptions=True)
            assert slots.queued == 1, round_
            assert len(slots._waiters) <= 2 * 100 + 64  # dropped in bulk, never 2,000
        assert alarm.ring is None  # no deadline left to keep
        slots.give()
        assert await patient is True  # still first in line after every clean-up
    slots.give()
    assert slots.idle


async def test_out_of_time_just_as_cancelled_is_counted_once() -> None:
    alarm = Alarm()
    slots = Slots(1, alarm, clock=lambda: 0.0)
    assert slots.try_take()
    async with asyncio.timeout(5):
        late = asyncio.create_task(slots.take(until=1.0))
        await settle()
        alarm.fire()  # its deadline: the future says False ...
        late.cancel()  # ... and the caller is cancelled before it resumes
        with pytest.raises(asyncio.CancelledError):
            await late
        assert slots.queued == 0
        nxt = asyncio.create_task(slots.take())
        await settle()
        assert slots.queued == 1
        slots.give()
        assert await nxt is True
    slots.give()
    assert slots.idle


async def test_an_alarm_that_rings_for_a_caller_already_cancelled_sets_nothing() -> None:
    alarm = Alarm()
    slots = Slots(1, alarm, clock=lambda: 0.0)
    assert slots.try_take()
    async with asyncio.timeout(5):
        gone = asyncio.create_task(slots.take(until=1.0))
        later = asyncio.create_task(slots.take(until=9.0))
        await settle()
        gone.cancel()  # its future is cancelled; its take() has not resumed yet
        alarm.fire()  # must not set a result on that future
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert slots.queued == 1
        alarm.fire()  # re-armed for the later deadline: rings it out
        assert await later is False
    assert slots.queued == 0
    slots.give()
    assert slots.idle


async def test_handed_a_slot_just_as_cancelled_passes_it_to_the_next() -> None:
    slots = Slots(1, Alarm(), clock=lambda: 0.0)
    assert slots.try_take()
    async with asyncio.timeout(5):
        first = asyncio.create_task(slots.take(until=5.0))
        second = asyncio.create_task(slots.take())
        await settle()
        slots.give()  # to first ...
        first.cancel()  # ... cancelled before it resumes
        with pytest.raises(asyncio.CancelledError):
            await first
        assert await second is True
    slots.give()
    assert slots.idle
