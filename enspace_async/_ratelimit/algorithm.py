"""The limiter's algorithm, written once: functions of (tuning, state, now, event).

Two events change the state of one rate limit: a caller **reserves** a send slot
(:func:`reserve` → how long to wait), and an answer is **reported** (:func:`feedback`). Both
update the :class:`State` they are given in place and nothing else: no clock, no I/O. The
in-process :class:`~enspace_async.LocalLimiterBackend` runs them; the Lua scripts of
:mod:`enspace_async._ratelimit.scripts` implement them statement for statement, and
``tests/test_limiter_differential.py`` drives both with the same seeded sequences and asserts
the same waits, epochs and rates at every step.

The rules:

* **Pacing** is a GCRA token bucket: slots ``1 / rate`` apart, ``burst`` of them at once after
  an idle spell, none before a pause ends. A slot further away than the caller's ``max_wait``
  is not taken. An unlimited rate (``inf``) paces nobody.
* **A 429 cuts** the rate to ``backoff`` times the rate the server accepted: the successes of
  the last second; before a full second, the successes so far over the time since the first
  (at least :data:`COLD_WINDOW`). Other 429s within ``cooldown`` of a cut
  answer requests sent before it and do not cut again. Never below ``min_rate``.
* **A cold cut is re-measured once**: after a cut made before a full second of history, the
  next 429 (``2 * COLD_WINDOW`` on, still within that second) measures the successes since the
  cut. Fewer than ``backoff`` times the cut rate: the server's refill rate without its opening
  burst, which the rate becomes. As many: the server took every slot the estimate left, so
  the limit was the estimate's own, and the rate goes back to the ceiling (a handful of random
  429s no longer caps a run at a dozen successes per ``COLD_WINDOW``).
* **No rate is invented**: a 429 before any success leaves an unlimited rate unlimited (a
  ceiling is still cut from); it only marks the time, so the next 429 measures the rate
  since. (Both backends; the Redis scripts used to drop to ``min_rate``.)
* **A pause** (:attr:`~enspace_async.RateSignal.pause`, decided from the headers in Python)
  holds every caller until it ends, and opens a new epoch.
* **Growth**: each success adds ``increase`` requests per second, doubled for every second of
  unbroken growth (at most ``2 ** MAX_BOOST`` times), up to the ceiling, unless the server's
  ``X-RateLimit-Remaining`` shows ``low_water`` of its limit or less left: then the rate holds
  and the doubling starts over. A rate risen to :data:`EPOCH_GROWTH` times the one its epoch
  began with opens a new epoch, so callers queued on slow slots reserve again.
* The **epoch** is the version callers compare after waiting: a cut, a pause or that growth
  changes it, and a caller whose epoch is stale reserves anew.
"""

from __future__ import annotations

import math
from typing import TypedDict

import attrs

from .._errors import ConfigurationError
from .._protocol.ratesignal import RateSignal

__all__ = [
    "COLD_WINDOW",
    "EPOCH_GROWTH",
    "MAX_BOOST",
    "State",
    "Tuning",
    "TuningOptions",
    "feedback",
    "reserve",
]

COLD_WINDOW = 0.05
"""The shortest span over which successes are turned into a rate (seconds)."""
MAX_BOOST = 4
"""The growth step doubles at most this many times (16 times ``increase``)."""
EPOCH_GROWTH = 1.25
"""A rate grown by this factor since its epoch began opens a new epoch."""
INF = math.inf


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ConfigurationError(f"{attribute.name} must be positive, got {value!r}")


def _share(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value <= 1:
        raise ConfigurationError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _not_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ConfigurationError(f"{attribute.name} must be 0 or more, got {value!r}")


def _ceiling(_: object, attribute: attrs.Attribute[float | None], value: float | None) -> None:
    if value is not None and not value > 0:
        raise ConfigurationError(f"max_rate must be positive, got {value!r}")


def _burst(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not value >= 1:
        raise ConfigurationError(f"burst must be at least 1, got {value!r}")


@attrs.frozen
class Tuning:
    """How one rate limit adapts; the local and the Redis backend take the same value.

    Attributes:
        max_rate: the ceiling in requests per second; ``None`` starts unlimited and only
            limits after a 429 it can measure a rate from.
        min_rate: the rate is never cut below this (nor above the ceiling).
        burst: requests that may go at once after an idle spell.
        adaptive: adapt to 429s; ``False`` keeps the ceiling fixed (pauses still apply).
        backoff: the share of the accepted rate kept on a 429.
        increase: requests per second added per success.
        low_water: the share of the server's limit at or below which the rate stops growing.
        cooldown: seconds after a cut during which further 429s (answers to requests sent
            before the cut) do not cut again.
    """

    max_rate: float | None = attrs.field(default=None, validator=_ceiling)
    min_rate: float = attrs.field(default=1.0, validator=_positive)
    burst: int = attrs.field(default=1, validator=_burst)
    adaptive: bool = True
    backoff: float = attrs.field(default=0.95, validator=[_positive, _share])
    increase: float = attrs.field(default=0.05, validator=_not_negative)
    low_water: float = attrs.field(default=0.2, validator=_share)
    cooldown: float = attrs.field(default=1.0, validator=_not_negative)
    ceiling: float = attrs.field(init=False, eq=False, repr=False)
    """The ceiling as a number (``inf``: none); worked out once (every success reads it)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "ceiling", INF if self.max_rate is None else float(self.max_rate))

    @classmethod
    def of(cls, max_rate: float | None, options: TuningOptions) -> Tuning:
        """Build from keyword options, refusing a name that is not a tuning option."""
        known = TuningOptions.__optional_keys__
        unknown = sorted(set(options) - known)
        if unknown:
            names = ", ".join(sorted(known))
            raise ConfigurationError(f"unknown limiter option {unknown[0]!r}; choose from {names}")
        return cls(max_rate, **options)

    @property
    def floor(self) -> float:
        """The lowest rate a cut leaves."""
        return min(self.min_rate, self.ceiling)

    def start(self) -> State:
        """The state of a limit nobody has used yet."""
        rate = self.ceiling
        return State(rate, -INF, -INF, 0, rate, -INF, False, 0, -INF, 0, 0.0, INF)


class TuningOptions(TypedDict, total=False):
    """The keyword options of :class:`Tuning` besides ``max_rate`` (see its attributes)."""

    min_rate: float
    burst: int
    adaptive: bool
    backoff: float
    increase: float
    low_water: float
    cooldown: float


@attrs.define
class State:
    """The state of one rate limit, updated in place by :func:`reserve` and :func:`feedback`
    (every request reserves and reports once: a field written in place costs a fraction of a
    new value per event; measured, a named tuple's ``_replace`` was 12k instructions of the
    16k one success cost).

    Attributes:
        rate: requests per second (``inf``: unlimited).
        next: the earliest free send slot.
        blocked: every caller waits until then (a pause).
        epoch: the version callers compare after waiting.
        epoch_rate: the rate the epoch began with.
        cut_at: when the last cut (or 429 with nothing to measure) was.
        cold: that cut came before a full second of history: the next 429 re-measures.
        ok_at_cut: the successes of the window at that cut.
        win_start: when the current window of successes began.
        win_ok: the successes of the current window.
        prev_rate: the successes per second of the previous window (0: none yet).
        growing_since: when the unbroken growth began (``inf``: not growing).
    """

    rate: float
    next: float
    blocked: float
    epoch: int
    epoch_rate: float
    cut_at: float
    cold: bool
    ok_at_cut: int
    win_start: float
    win_ok: int
    prev_rate: float
    growing_since: float


def reserve(tuning: Tuning, state: State, now: float, max_wait: float = INF) -> float:
    """Take the next send slot unless it is more than ``max_wait`` away (then none is taken).

    Returns:
        The seconds to wait for the slot; the epoch is ``state.epoch``.
    """
    rate = state.rate
    if rate == INF:
        return max(state.blocked - now, 0.0)
    interval = 1.0 / rate
    slot = max(state.next, now - (tuning.burst - 1) * interval, state.blocked)
    wait = max(slot - now, 0.0)
    if wait <= max_wait:
        state.next = slot + interval
    return wait


def feedback(tuning: Tuning, state: State, now: float, signal: RateSignal) -> None:
    """Adapt to one answer: a success (with any rate-limit headers) or a 429."""
    if signal.throttled:
        _throttled(tuning, state, now, signal.pause)
    else:
        _succeeded(tuning, state, now, signal)


def _succeeded(tuning: Tuning, state: State, now: float, signal: RateSignal) -> None:
    elapsed = now - state.win_start
    if elapsed >= 1.0:
        state.prev_rate = state.win_ok / elapsed if elapsed < INF else 0.0
        state.win_start, state.win_ok = now, 0
    state.win_ok += 1
    if not tuning.adaptive or state.rate >= tuning.ceiling:
        return
    remaining = signal.remaining
    if remaining is not None and remaining <= tuning.low_water * (signal.limit or 0):
        state.growing_since = INF  # the server's window runs low: hold
        return
    since = now if state.growing_since == INF else state.growing_since
    # The step doubles with every second of unbroken growth (capped), so a rate cut too deep
    # by an early estimate recovers in seconds, while a hold or a cut resets it.
    boost = 2.0 ** max(0, min(math.floor(now - since), MAX_BOOST))
    state.rate = min(tuning.ceiling, state.rate + tuning.increase * boost)
    state.growing_since = since
    if state.rate >= state.epoch_rate * EPOCH_GROWTH:
        _new_epoch(state, now)


def _new_epoch(state: State, now: float) -> None:
    state.epoch += 1
    state.epoch_rate = state.rate
    state.next = max(now, state.blocked)


def _throttled(tuning: Tuning, state: State, now: float, pause: float) -> None:
    until = now + pause
    if pause > 0 and until > state.blocked:
        state.blocked, state.next = until, max(state.next, until)
        state.epoch += 1
    # After a cut made before a full second of history, 429s soon re-measure the rate.
    cold = state.cold and state.prev_rate == 0.0
    cooldown = 2 * COLD_WINDOW if cold else tuning.cooldown
    if tuning.adaptive and now >= state.cut_at + cooldown:
        _cut(tuning, state, now)


def accepted_rate(state: State, now: float) -> float:
    """The successes per second the server accepted lately; 0 when there is nothing to
    measure (see the module docstring)."""
    if state.cold and state.prev_rate == 0.0:
        # The cut emptied the server's bucket: what got through since came at its refill rate.
        return (state.win_ok - state.ok_at_cut) / max(now - state.cut_at, COLD_WINDOW)
    elapsed = min(max(now - state.win_start, 0.0), 1.0)
    if state.prev_rate == 0.0:
        return state.win_ok / max(elapsed, COLD_WINDOW)
    return state.prev_rate * (1.0 - elapsed) + state.win_ok


def _cut(tuning: Tuning, state: State, now: float) -> None:
    remeasure = state.cold and state.prev_rate == 0.0
    accepted = accepted_rate(state, now)
    if remeasure and accepted >= tuning.backoff * state.rate:
        # The server took every slot the cold estimate left: the limit was that estimate's,
        # not the server's. Back to the ceiling; the next 429 measures a full window.
        state.rate, state.cold, state.cut_at, state.growing_since = tuning.ceiling, False, now, INF
        _new_epoch(state, now)
        return
    base = min(state.rate, accepted) if accepted > 0 else state.rate
    # A cut within the first second of history is re-measured once, by the next 429.
    state.cold = state.prev_rate == 0.0 and not state.cold
    state.cut_at, state.ok_at_cut = now, state.win_ok
    if base == INF:
        return  # nothing to learn a rate from: pauses and the calls' backoff act
    state.rate, state.growing_since = max(tuning.floor, base * tuning.backoff), INF
    _new_epoch(state, now)
