"""Fault injection: deterministic from the seed, by random rate or by script, per route.

Kinds (``Fault.kind``):

- ``"ok"`` — no fault (useful in scripts);
- ``"latency"`` — wait ``seconds`` before answering (combines with any other outcome);
- ``"500"``, ``"502"``, ``"503"``, ``"504"`` — an error status with the documented body, **not applied**;
- ``"429"`` — too many requests, with ``Retry-After: retry_after`` unless it is ``None``, **not applied**;
- ``"reset_before"`` — the connection is closed without an answer, **not applied**;
- ``"reset_after"`` — the request **is applied**, then the connection is closed without an answer;
- ``"truncated"`` — applied; the body is cut short of its ``Content-Length``, then the connection closes;
- ``"malformed"`` — applied; a 200 whose body is not valid JSON;
- ``"redirect"`` — a ``status`` (307) redirect to ``location`` (a path or an absolute URL;
  ``{path}`` is replaced by the request's path and query; default: the same path), **not applied**;
- ``"drop_rows"`` — lists only: ``rows`` rows silently left out of the page.

A plain aiohttp ``ClientSession`` resends a GET, PUT or DELETE once after a dropped
connection, so a single ``reset_*`` on those routes is invisible to it (and a PUT under
``reset_after`` is applied twice): script two resets to make it see one. The SDK's
``AiohttpTransport`` turns that resend off, so one reset is one failed attempt.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

import attrs

from .._errors import ConfigurationError

__all__ = ["KINDS", "Fault", "Faults"]

KINDS = (
    "ok",
    "latency",
    "500",
    "502",
    "503",
    "504",
    "429",
    "reset_before",
    "reset_after",
    "truncated",
    "malformed",
    "redirect",
    "drop_rows",
)
BEFORE = frozenset({"500", "502", "503", "504", "429", "reset_before", "redirect"})


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ConfigurationError(f"unknown fault kind {kind!r}; choose from {', '.join(KINDS)}")
    return kind


@attrs.frozen
class Fault:
    """One injected outcome and its parameters.

    Attributes:
        kind: one of :data:`KINDS`.
        seconds: the delay of a ``latency`` fault.
        location: where a ``redirect`` points (path or absolute URL; ``{path}`` is substituted).
        status: the status of a ``redirect``.
        rows: how many rows a ``drop_rows`` fault leaves out.
        retry_after: the ``Retry-After`` seconds of a ``429`` (``None``: no header).
    """

    kind: str = attrs.field(converter=_check_kind)
    seconds: float = 0.0
    location: str | None = None
    status: int = 307
    rows: int = 1
    retry_after: int | None = 1

    @classmethod
    def parse(cls, spec: str | Fault) -> Fault:
        """Read ``"503"``, ``"latency:0.2"``, ``"drop_rows:3"``, ``"429:5"``, ``"redirect:/x"``."""
        if isinstance(spec, Fault):
            return spec
        kind, _, arg = spec.partition(":")
        if not arg:
            return cls(kind)
        if kind == "latency":
            return cls(kind, seconds=float(arg))
        if kind == "drop_rows":
            return cls(kind, rows=int(arg))
        if kind == "429":
            return cls(kind, retry_after=int(arg))
        if kind == "redirect":
            return cls(kind, location=arg)
        raise ConfigurationError(f"fault {kind!r} takes no argument, got {spec!r}")

    @property
    def applied(self) -> bool:
        """Whether the request is applied to the state under this fault."""
        return self.kind not in BEFORE


@attrs.define
class _Rule:
    fault: Fault
    rate: float
    routes: tuple[str, ...]
    remaining: int | None

    def matches(self, route: str) -> bool:
        if self.remaining == 0:
            return False
        if self.fault.kind == "drop_rows" and not route.endswith(".list"):
            return False
        return any(fnmatchcase(route, pattern) for pattern in self.routes)


class Faults:
    """The fault plan of one emulator: random rules and per-route scripts.

    Scripts win over rules: the next requests to a scripted route get the scripted outcomes in
    order. Otherwise each matching rule fires with its ``rate`` (drawn from a ``random.Random``
    seeded with the emulator's seed); ``latency`` rules add up, and the first other rule that
    fires decides the outcome. ``counts`` tells how many of each kind were injected.
    """

    def __init__(self, seed: int = 0):
        self._rng = random.Random(seed)
        self._rules: list[_Rule] = []
        self._scripts: dict[str, deque[Fault]] = {}
        self.counts: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        """Whether any rule or script is set."""
        return bool(self._rules) or any(self._scripts.values())

    def add(
        self,
        kind: str | Fault,
        *,
        rate: float = 1.0,
        routes: str | Iterable[str] = ("*",),
        times: int | None = None,
        **params: object,
    ) -> None:
        """Inject ``kind`` into a share ``rate`` of the requests to ``routes``.

        Args:
            kind: a kind of :data:`KINDS` or a :class:`Fault`.
            rate: the probability, from 0 to 1, that a matching request gets the fault.
            routes: route names or glob patterns (``"items.create"``, ``"items.*"``, ``"*"``).
            times: stop after this many injections (``None``: never).
            params: the :class:`Fault` parameters (``seconds=``, ``location=``, ``rows=``…).
        """
        if not 0.0 <= rate <= 1.0:
            raise ConfigurationError(f"rate must be between 0 and 1, got {rate}")
        fault = kind if isinstance(kind, Fault) else Fault(kind, **params)  # type: ignore[arg-type]
        patterns = (routes,) if isinstance(routes, str) else tuple(routes)
        self._rules.append(_Rule(fault, rate, patterns, times))

    def script(self, route: str, outcomes: Iterable[str | Fault]) -> None:
        """Give the next requests to ``route`` (a name or pattern) these outcomes, in order."""
        self._scripts.setdefault(route, deque()).extend(Fault.parse(o) for o in outcomes)

    def clear(self) -> None:
        """Remove every rule and script (the counts stay)."""
        self._rules.clear()
        self._scripts.clear()

    def pick(self, route: str) -> tuple[float, Fault | None]:
        """Return the added latency and the outcome fault (``None``: none) for one request."""
        for pattern, queue in self._scripts.items():
            if queue and fnmatchcase(route, pattern):
                return self._count(queue.popleft())
        delay, outcome = 0.0, None
        for rule in self._rules:
            if rule.matches(route) and self._rng.random() < rule.rate:
                if rule.fault.kind == "latency":
                    delay += rule.fault.seconds
                elif outcome is None:
                    outcome = rule.fault
                else:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                self.counts[rule.fault.kind] += 1
        return delay, outcome

    def drop(self, rows: list[Any], count: int) -> None:
        """Remove ``count`` rows from ``rows`` at seeded random positions."""
        for _ in range(min(count, len(rows))):
            del rows[self._rng.randrange(len(rows))]

    def _count(self, fault: Fault) -> tuple[float, Fault | None]:
        if fault.kind == "ok":
            return 0.0, None
        self.counts[fault.kind] += 1
        if fault.kind == "latency":
            return fault.seconds, None
        return 0.0, fault
