"""The progress of ``enspace import`` and ``enspace export`` on standard error.

On a terminal it is a live bar (rows, rows/s, ETA, retries, 429s). Anywhere else (a CI log, a
pipe, a file) it is a plain line every few seconds, and one at the end, so a log shows the job
moving without control characters or a bar cut at 80 columns::

    import deals.csv: 1,200/20,000 rows (6%) · 950 rows/s · 1 s · retries 3 · 429s 0

Retries and 429s come from ``client.stats`` (the resilience layer's counters); a client
without them shows the rows alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .._bulk import BulkProgress

__all__ = ["EVERY", "RowProgress", "client_counters"]

EVERY = 5.0  # seconds between two plain progress lines


def client_counters(client: Any) -> tuple[int, int]:
    """Return ``(retries, 429s)`` from ``client.stats``, or zeros when it has none."""
    stats = getattr(client, "stats", None)
    if stats is None:
        return 0, 0
    retries = getattr(stats, "retries", {}) or {}
    return int(sum(retries.values())), int(getattr(stats, "throttled", 0) or 0)


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>7.0f} rows/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[extra]}"),
        console=console,
        transient=False,
    )


class RowProgress:
    """Progress over rows, fed by ``on_progress`` snapshots or plain counts.

    Args:
        console: where to show it; a live bar if it is a terminal, plain lines if not.
        label: what runs (``"import deals.csv"``).
        total: the rows expected, if known.
        client: whose ``stats`` give the retries and 429s.
        every: seconds between two plain lines.
        clock: the monotonic clock that times them (tests inject one).
    """

    def __init__(
        self,
        console: Console,
        label: str,
        total: int | None,
        client: Any,
        *,
        every: float = EVERY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._console, self._label, self._total, self._client = console, label, total, client
        self._every, self._clock = every, clock
        self._started = self._next = clock()
        self._next += every
        self._done, self._rate, self._extra, self._shown = 0, 0.0, "", -1
        self._bar = _bar(console) if console.is_terminal else None
        self._task = None
        if self._bar is not None:
            self._task = self._bar.add_task(label, total=total, rate=0.0, extra="")

    def __enter__(self) -> Self:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif exc_type is None and self._shown != self._done:
            self._line()  # the last count; a job that failed says why instead

    def set_total(self, total: int) -> None:
        """Set the number of rows expected."""
        self._total = total
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total)

    def bulk(self, snapshot: BulkProgress) -> None:
        """Show a bulk job's snapshot (the ``on_progress`` callback)."""
        extra = self._counters()
        if snapshot.failed or snapshot.unknown:
            extra += f" · failed {snapshot.failed} · unknown {snapshot.unknown}"
        if snapshot.skipped:
            extra += f" · resumed past {snapshot.skipped}"
        self._update(snapshot.done, snapshot.rate, extra)

    def rows(self, done: int, rate: float) -> None:
        """Show a plain count of rows (exports)."""
        self._update(done, rate, self._counters())

    def _counters(self) -> str:
        retries, throttled = client_counters(self._client)
        return f"retries {retries} · 429s {throttled}"

    def _update(self, done: int, rate: float, extra: str) -> None:
        self._done, self._rate, self._extra = done, rate, extra
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, rate=rate, extra=extra)
            return
        now = self._clock()
        if now >= self._next:
            self._line()
            self._next = now + self._every

    def _line(self) -> None:
        done, total = self._done, self._total
        of = f"/{total:,} rows ({done * 100 // total}%)" if total else " rows"
        elapsed = self._clock() - self._started
        self._console.print(
            f"{self._label}: {done:,}{of} · {self._rate:,.0f} rows/s · {elapsed:.0f} s"
            + (f" · {self._extra}" if self._extra else ""),
            highlight=False,
            soft_wrap=True,
        )
        self._shown = done
