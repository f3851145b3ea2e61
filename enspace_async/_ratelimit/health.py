"""When :class:`~enspace_async.redis.RedisLimiter` leaves Redis and when it tries it again.

Plain state, no Redis import: Redis is *up* until a call fails; the first failure starts an
*outage* (one warning), after which calls skip Redis until the next *probe* is due. One call at a
time probes; a failed probe doubles the wait (up to a ceiling), and the first probe that answers
ends the outage (one INFO line). A failure of a call that was already on its way when the outage
began changes nothing, so an outage is logged once however many calls were in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

__all__ = ["Health", "describe", "logger"]

logger = logging.getLogger("enspace_async.redis")


class Health:
    """The availability of Redis as one process sees it.

    Args:
        probe_interval: seconds from the start of an outage to the first probe.
        max_probe_interval: the longest wait between probes.
        clock: a monotonic clock.
    """

    def __init__(
        self, probe_interval: float, max_probe_interval: float, clock: Callable[[], float]
    ):
        self.probe_interval = probe_interval
        self.max_probe_interval = max_probe_interval
        self.clock = clock
        self.delay: float | None = None  # None while Redis answers; else the probe backoff
        self.retry_at = 0.0
        self.probing = False

    @property
    def degraded(self) -> bool:
        """Whether an outage is going on."""
        return self.delay is not None

    def start(self) -> bool | None:
        """Whether a call goes to Redis as a probe (True), as usual (False), or not (None)."""
        if self.delay is None:
            return False
        if self.probing or self.clock() < self.retry_at:
            return None
        self.probing = True
        return True

    def answered(self, probing: bool) -> None:
        """Redis answered a call: a probe that answers ends the outage."""
        if probing:
            self.delay, self.probing = None, False
            logger.info("Redis limiter available again; sharing the rate with the other workers")

    def cancelled(self, probing: bool) -> None:
        """A call was cancelled: a cancelled probe gives the next call its turn."""
        if probing:
            self.probing = False

    def failed(self, exc: BaseException, probing: bool, fallback: object) -> bool:
        """Record a failed call; return whether it started an outage."""
        if self.delay is None:
            self.delay = self.probe_interval
            logger.warning(
                "Redis limiter unavailable (%s); using a local limiter (%r) until it is back",
                describe(exc),
                fallback,
            )
        elif probing:
            self.delay = min(self.delay * 2, self.max_probe_interval)
            logger.debug("Redis limiter still unavailable (%s)", describe(exc))
        else:
            return False
        self.retry_at = self.clock() + self.delay
        self.probing = False
        return not probing


def describe(exc: BaseException) -> str:
    """``Type: message`` of an error, for a log line."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
