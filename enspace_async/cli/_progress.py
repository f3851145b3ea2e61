"""The live progress bar of ``enspace import`` and ``enspace export``: rows/s, ETA, retries, 429s.

Retries and 429s come from ``client.stats`` (the resilience layer's counters); a client
without them shows the rows alone.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .._bulk import BulkProgress

__all__ = ["RowProgress", "client_counters"]


def client_counters(client: Any) -> tuple[int, int]:
    """Return ``(retries, 429s)`` from ``client.stats``, or zeros when it has none."""
    stats = getattr(client, "stats", None)
    if stats is None:
        return 0, 0
    retries = getattr(stats, "retries", {}) or {}
    return int(sum(retries.values())), int(getattr(stats, "throttled", 0) or 0)


class RowProgress:
    """A rich progress bar over rows, fed by ``on_progress`` snapshots or plain counts."""

    def __init__(self, console: Console, label: str, total: int | None, client: Any):
        self._client = client
        self._progress = Progress(
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
        self._task: TaskID = self._progress.add_task(label, total=total, rate=0.0, extra="")

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def set_total(self, total: int) -> None:
        """Set the number of rows expected."""
        self._progress.update(self._task, total=total)

    def bulk(self, snapshot: BulkProgress) -> None:
        """Show a bulk job's snapshot (the ``on_progress`` callback)."""
        retries, throttled = client_counters(self._client)
        extra = f"retries {retries} · 429s {throttled}"
        if snapshot.failed or snapshot.unknown:
            extra += f" · failed {snapshot.failed} · unknown {snapshot.unknown}"
        if snapshot.skipped:
            extra += f" · resumed past {snapshot.skipped}"
        self._progress.update(self._task, completed=snapshot.done, rate=snapshot.rate, extra=extra)

    def rows(self, done: int, rate: float) -> None:
        """Show a plain count of rows (exports)."""
        retries, throttled = client_counters(self._client)
        extra = f"retries {retries} · 429s {throttled}"
        self._progress.update(self._task, completed=done, rate=rate, extra=extra)
