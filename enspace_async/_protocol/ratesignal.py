"""What one answer says about the rate: the single reading of ``Retry-After`` and ``X-RateLimit-*``.

Pure and synchronous. The retry layer asks :attr:`RateSignal.wait` how long *this call* should
wait; the rate limiter asks :attr:`RateSignal.pause` how long *every caller* should, and both
backends (in-process and the Redis scripts) are fed the same signal, so neither reads a header.

* ``Retry-After`` is seconds or an HTTP date; ``nan``, negative or unreadable values ask for
  nothing (``inf`` and ``1e400`` ask for forever, which nobody honours).
* ``X-RateLimit-Reset`` is seconds until the reset; a value of at least :data:`EPOCH_AFTER`
  (1e9 s, 31 years) is a Unix time, as several APIs send it, and counts from now.
* A wait longer than the caller's cap (``RetryPolicy.max_retry_after``) is not honoured: the
  call that got it raises :class:`~enspace_async.RateLimitError` at once, and the signal keeps
  no wait, so the shared limiter pauses nobody for it (the 429 still cuts the rate).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

import attrs

__all__ = ["EPOCH_AFTER", "OK", "RateSignal", "parse_retry_after"]

EPOCH_AFTER = 1e9
"""An ``X-RateLimit-Reset`` at least this large is a Unix time, not seconds to wait."""


@attrs.frozen
class RateSignal:
    """What one answer tells the limiter.

    Attributes:
        throttled: the answer was a 429.
        retry_after: seconds the server asked us to wait (``Retry-After``).
        limit: ``X-RateLimit-Limit``, the size of the server's window or bucket.
        remaining: ``X-RateLimit-Remaining``, requests left in it.
        reset: ``X-RateLimit-Reset``, seconds until it resets (a Unix time already converted).
    """

    throttled: bool = False
    retry_after: float | None = None
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None

    @classmethod
    def from_response(
        cls,
        status: int,
        headers: Mapping[str, str],
        *,
        now: float | None = None,
        max_wait: float = math.inf,
    ) -> RateSignal:
        """Read the signal from a status and lower-case headers.

        Args:
            status: the HTTP status.
            headers: the response headers, lower-case names.
            now: the current Unix time, for HTTP dates and Unix-time resets (default: now).
            max_wait: the longest wait honoured; a signal asking for more keeps no wait.
        """
        if status != 429 and "x-ratelimit-remaining" not in headers:
            return OK
        signal = cls.read(status, headers, now=now)
        if signal is OK or (signal.wait or 0.0) <= max_wait:
            return signal
        return attrs.evolve(signal, retry_after=None, reset=None)

    @classmethod
    def read(
        cls, status: int, headers: Mapping[str, str], *, now: float | None = None
    ) -> RateSignal:
        """Read every rate header of an answer, whatever its status (a 503 may say
        ``Retry-After`` too); ``now`` is the current Unix time."""
        remaining = _number(headers.get("x-ratelimit-remaining"))
        if status != 429 and remaining is None and "retry-after" not in headers:
            return OK
        now = time.time() if now is None else now
        limit = _number(headers.get("x-ratelimit-limit"))
        return cls(
            throttled=status == 429,
            retry_after=parse_retry_after(headers.get("retry-after"), now=now),
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset=_reset(headers.get("x-ratelimit-reset"), now),
        )

    @property
    def wait(self) -> float | None:
        """Seconds the answer asks before sending again: ``Retry-After``, else the reset of
        an exhausted ``X-RateLimit-Remaining``; ``None`` when it does not say."""
        if self.retry_after is not None:
            return self.retry_after
        return self.reset if self.remaining == 0 else None

    @property
    def pause(self) -> float:
        """Seconds this answer pauses every caller sharing the limit (0: none).

        A 429 pauses with its ``Retry-After`` when it sends no ``X-RateLimit-*`` headers (with
        them, the rate steers instead), or until the reset when ``Remaining`` is 0 and no
        ``Retry-After`` came. A wait without end pauses nobody: no limiter is frozen forever.
        """
        if not self.throttled:
            return 0.0
        if self.remaining is None:
            seconds = self.retry_after
        elif self.remaining == 0 and self.retry_after is None:
            seconds = self.reset
        else:
            return 0.0
        return seconds if seconds is not None and math.isfinite(seconds) else 0.0


OK = RateSignal()


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _reset(value: str | None, now: float) -> float | None:
    seconds = _number(value)
    if seconds is None or seconds < EPOCH_AFTER:
        return seconds
    return max(seconds - now, 0.0)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for: a number or an HTTP date.

    ``now`` is the current Unix time, for dates; it defaults to :func:`time.time`.
    Invalid values give ``None``; a date in the past gives ``0.0``.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value, now)
    return max(seconds, 0.0) if seconds == seconds else None  # NaN is not a delay


def _seconds_until(http_date: str, now: float | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)
