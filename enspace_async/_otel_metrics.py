"""The metrics of :mod:`enspace_async.otel`: every ``ClientStats`` counter, observed.

Each instrument reads the counters of the sessions bound to one ``OpenTelemetry`` when the
metric reader collects, so the metrics are ``client.stats`` and never a second count.
"""

from __future__ import annotations

import itertools
import math
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

from ._observe import ClientStats
from ._ratelimit import RateLimiter

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["COUNTERS", "Sources", "observe"]

# Observable counters read from ClientStats: (name, unit, description, attribute[, label]).
COUNTERS = (
    ("enspace.client.requests", "{call}", "logical calls", "requests"),
    ("enspace.client.attempts", "{attempt}", "requests handed to the transport", "attempts"),
    ("enspace.client.throttled", "{response}", "429 answers received", "throttled"),
    ("enspace.client.retry_budget.exhausted", "{retry}", "retries refused: budget empty",
     "budget_exhausted"),
    ("enspace.client.limiter.waits", "{attempt}", "attempts the limiter held back",
     "limiter_waits"),
    ("enspace.client.limiter.wait_time", "s", "time attempts waited in the limiter",
     "limiter_wait_seconds"),
    ("enspace.client.bytes_sent", "By", "request bodies sent", "bytes_sent"),
    ("enspace.client.bytes_received", "By", "response bodies received", "bytes_received"),
    ("enspace.client.retries", "{retry}", "retries by cause", "retries", "enspace.retry.cause"),
    ("enspace.client.errors", "{attempt}", "failed attempts by kind", "errors", "error.type"),
)  # fmt: skip


_Key = tuple[str, int]


class Sources:
    """The counters of every session bound to one :class:`OpenTelemetry`.

    A session's counters are read while it lives; when it is garbage collected its final
    counts join the retired totals of its server, so no cumulative metric ever goes down.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a collection thread and GC finalizers share these
        self._live: dict[int, tuple[_Key, ClientStats, RateLimiter]] = {}
        self._retired: dict[_Key, ClientStats] = {}
        self._tokens = itertools.count()

    def add(self, session: Session) -> None:
        key = (session.base_url.raw_host or "", session.base_url.port or 0)
        token = next(self._tokens)
        with self._lock:
            self._live[token] = (key, session.stats, session.limiter)
        weakref.finalize(session, self._retire, token)

    def _retire(self, token: int) -> None:
        with self._lock:
            key, stats, _ = self._live.pop(token)
            _accumulate(self._retired.setdefault(key, ClientStats()), stats)
            self._retired[key].in_flight = 0

    def totals(self) -> dict[_Key, ClientStats]:
        """Each server's counters: the retired sessions' plus the live ones'."""
        with self._lock:
            totals: dict[_Key, ClientStats] = {}
            for key, stats in self._retired.items():
                _accumulate(totals.setdefault(key, ClientStats()), stats)
            for key, stats, _ in self._live.values():
                _accumulate(totals.setdefault(key, ClientStats()), stats)
            return totals

    def rates(self) -> dict[_Key, float]:
        """Each server's limiter rate (limiters shared by clients counted once; finite only)."""
        with self._lock:
            limiters = {id(limiter): (key, limiter) for key, _, limiter in self._live.values()}
        rates: dict[_Key, float] = {}
        for key, limiter in limiters.values():
            rate = getattr(limiter.backend, "rate", None)  # the in-process backend's
            if isinstance(rate, float | int) and math.isfinite(rate):
                rates[key] = rates.get(key, 0.0) + rate
        return rates


def _accumulate(total: ClientStats, stats: ClientStats) -> None:
    for field in attrs.fields(ClientStats):
        value = getattr(stats, field.name)
        if isinstance(value, Counter):
            # dict() copies in one step: the event loop may add a key while a periodic
            # reader's thread reads, and iterating the live Counter could then fail.
            getattr(total, field.name).update(dict(value))
        else:
            setattr(total, field.name, getattr(total, field.name) + value)


def _server(key: _Key) -> dict[str, str | int]:
    return {"server.address": key[0], "server.port": key[1]}


def observe(meter: metrics.Meter, sources: Sources) -> None:
    """Register the observable instruments, which read the counters when metrics are collected."""
    for name, unit, description, field, *label in COUNTERS:
        meter.create_observable_counter(
            name, [_reader(sources, field, label[0] if label else None)], unit, description
        )
    meter.create_observable_gauge(
        "enspace.client.in_flight",
        [_reader(sources, "in_flight", None)],
        "{request}",
        "attempts on the wire now",
    )

    def rate(_: CallbackOptions) -> Iterable[Observation]:
        return [Observation(value, _server(key)) for key, value in sources.rates().items()]

    meter.create_observable_gauge(
        "enspace.client.limiter.rate", [rate], "{request}/s", "the rate limiter's current rate"
    )


def _reader(
    sources: Sources, field: str, label: str | None
) -> Callable[[CallbackOptions], Iterable[Observation]]:
    def read(_: CallbackOptions) -> Iterable[Observation]:
        observations = []
        for key, stats in sources.totals().items():
            value: Any = getattr(stats, field)
            if label is None:
                observations.append(Observation(value, _server(key)))
            else:
                counts: Mapping[str, int] = value
                observations += [
                    Observation(n, {**_server(key), label: kind}) for kind, n in counts.items()
                ]
        return observations

    return read
