"""One deadline timer per transport, instead of one timer per request.

aiohttp's total timeout arms a loop timer for every request and cancels it when the request
ends; most requests end long before their bound, so that timer is pure overhead. Here each
send registers its task and its deadline in a dict, and one loop timer rings at the soonest
deadline of the sends in flight: when it rings, every send past its deadline is cancelled, and
the timer is armed again for the soonest one left. With the same total timeout on every
request, a new deadline is never the soonest, so a steady stream arms the timer about once per
total timeout rather than once per request.

A send cancelled here sees :class:`asyncio.CancelledError` at the point it waits; the
transport turns that into its own timeout (:meth:`Deadlines.finish`), and a cancellation
from anywhere else (the caller's, ``asyncio.timeout``) still goes through, as
:func:`asyncio.timeout` does it.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

__all__ = ["Deadlines"]


class Deadlines:
    """The total timeouts of one transport's sends, kept by one loop timer."""

    __slots__ = ("_at", "_due", "_expired", "_loop", "_timer")

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None  # the first send's
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._at = math.inf

    def add(self, task: asyncio.Task[Any], seconds: float) -> None:
        """Cancel ``task`` if it is still registered in ``seconds``."""
        loop = self._loop
        if loop is None:
            loop = self._loop = task.get_loop()
        deadline = loop.time() + seconds
        self._due[task] = deadline
        if deadline < self._at:
            self._arm(loop, deadline)

    def finish(self, task: asyncio.Task[Any]) -> bool:
        """Forget ``task``'s deadline; return whether this timer cancelled it, undoing that
        cancel (a cancellation from anyone else still stands: see ``task.cancelling()``)."""
        self._due.pop(task, None)  # the timer stays armed, and may ring with nothing due
        if task not in self._expired:
            return False
        self._expired.discard(task)
        task.uncancel()
        return True

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._at = deadline
        self._timer = loop.call_at(deadline, self._ring)

    def _ring(self) -> None:
        loop = self._loop
        assert loop is not None  # set by the add() that armed this timer
        self._timer, self._at = None, math.inf
        now, soonest = loop.time(), math.inf
        for task, deadline in list(self._due.items()):
            if deadline <= now:
                del self._due[task]
                self._expired.add(task)
                task.cancel()
            elif deadline < soonest:
                soonest = deadline
        if soonest < math.inf:
            self._arm(loop, soonest)
