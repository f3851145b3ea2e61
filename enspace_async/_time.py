"""Time: the injected clock and sleep, and the call's deadline that every wait respects.

:data:`Clock` and :data:`Sleep` are the shapes of the ``clock=`` and ``sleep=`` every part that
waits takes, so tests assert exact delays without waiting.

The retry middleware fixes when a call must end (``RetryPolicy.deadline``, never before its
first attempt's own timeout) and publishes it in :data:`DEADLINE` for the stages inside it. No
wait of the SDK passes it: the retry sleep is skipped, and the in-flight gate and the rate
limiter raise :class:`DeadlineExceeded` (a :class:`~enspace_async.RequestTimeout` whose
``sent`` is false) naming what they waited for, at once when the wait is known to be too long.
An attempt sent after a wait gets only the time that is left as its total timeout.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

import attrs

from ._errors import RequestTimeout
from ._http import Request

__all__ = ["DEADLINE", "Clock", "DeadlineExceeded", "Sleep", "bounded"]

Clock = Callable[[], float]
"""A clock in seconds: monotonic (``time.monotonic``) or Unix time (``time.time``)."""
Sleep = Callable[[float], Awaitable[None]]
"""How to wait ``seconds`` (``asyncio.sleep``)."""

DEADLINE: ContextVar[float | None] = ContextVar("enspace_async_deadline", default=None)
"""When the current call must end, on the client's monotonic clock; ``None``: no limit."""


class DeadlineExceeded(RequestTimeout):
    """The call's deadline came, or would have come, while the SDK waited to send it (for
    the rate limiter or an in-flight slot). Nothing was sent, and it is never retried."""

    sent = False


def bounded(request: Request, left: float) -> Request:
    """Shorten an attempt's total timeout to the ``left`` seconds its call has."""
    left = max(left, 0.001)
    total = request.timeout.total
    if total is not None and total <= left:
        return request
    return attrs.evolve(request, timeout=attrs.evolve(request.timeout, total=left))
