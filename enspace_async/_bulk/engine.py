"""The bulk engine: a bounded worker pool fed row by row, so memory follows the concurrency.

One producer reads the rows lazily into a queue of ``concurrency`` slots; ``concurrency``
workers take rows from it and run one operation per row. When the workers are busy the queue
fills and the producer waits: a million-row file streams through in constant memory. Every
request goes through the client, so bulk jobs share its rate limiter, in-flight cap and retry
budget with everything else the client does.

Sharding: ``JobOptions(shard=(index, count))`` sets :attr:`JobOptions.select` to the rows whose
position modulo ``count`` is ``index``, so the job handles its share of the input and skips the
rest, and puts the shard in the journal header, so each shard keeps its own checkpoint.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from .._errors import ConfigurationError
from .._middleware.telemetry import Binding, traced
from .checkpoint import Journal, JournalHeader
from .result import OUTCOMES, BulkProgress, BulkResult, RowError
from .rows import Rows, Select, check_shard, numbered, shard_select

__all__ = ["Outcome", "Progress", "run_job"]

Progress = Callable[[BulkProgress], object]


@attrs.frozen
class Outcome:
    """What happened to one row."""

    kind: str
    reference: str | None = None
    error: RowError | None = None
    recovered: bool = False


Operation = Callable[[int, Any, Journal | None], Awaitable[Outcome]]


@attrs.frozen
class JobOptions:
    """How a job runs (everything but the rows and the operation)."""

    concurrency: int = 32
    on_progress: Progress | None = None
    checkpoint: str | os.PathLike[str] | None = None
    keep_references: bool = True
    shard: tuple[int, int] | None = attrs.field(default=None, converter=check_shard)
    select: Select | None = attrs.field()

    @select.default
    def _shard_rows(self) -> Select | None:
        return None if self.shard is None else shard_select(*self.shard)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int):
            raise ConfigurationError(f"concurrency must be an integer, got {self.concurrency!r}")
        if self.concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {self.concurrency}")


async def run_job(
    rows: Rows[Any],
    operation: Operation,
    header: JournalHeader,
    options: JobOptions,
    telemetry: Binding | None = None,
) -> BulkResult:
    """Run ``operation`` once per row with ``options.concurrency`` workers; return the result.

    With the client's ``telemetry``, the job is one ``enspace.bulk_<op>`` span, the parent of
    every call its workers make, with the row counts set when it ends.
    """
    journal = None
    if options.shard is not None:  # a shard's journal serves that shard only
        header = {**header, "shard": list(options.shard)}
    if options.checkpoint is not None:
        journal = Journal(
            options.checkpoint,
            header,
            concurrency=options.concurrency,
            keep_references=options.keep_references,
        )
    name, attributes = f"enspace.bulk_{header['op']}", _attributes(header, options)
    try:
        with traced(telemetry, name, attributes) as span:  # the workers start inside it
            result = await _Job(operation, options, journal).run(rows)
            span.add({f"enspace.bulk.{kind}": getattr(result, kind) for kind in _COUNTS})
            return result
    finally:
        if journal is not None:
            journal.close()


_COUNTS = (*OUTCOMES, "skipped", "recovered")


def _attributes(header: JournalHeader, options: JobOptions) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {
        "enspace.type_slug": header["type"],
        "enspace.concurrency": options.concurrency,
    }
    if header.get("workspace"):
        attributes["enspace.workspace"] = header["workspace"]
    return attributes


class _Job:
    def __init__(self, operation: Operation, options: JobOptions, journal: Journal | None):
        self.operation = operation
        self.options = options
        self.journal = journal
        self.result = BulkResult()
        if journal is not None and options.keep_references:
            self.result.references.update(journal.references)
        self.queue: asyncio.Queue[tuple[int, Any] | None] = asyncio.Queue(options.concurrency)

    async def run(self, rows: Rows[Any]) -> BulkResult:
        # Not a TaskGroup: an error reading the rows must surface as itself, not in a group.
        tasks = [asyncio.create_task(self._work()) for _ in range(self.options.concurrency)]
        tasks.append(asyncio.create_task(self._produce(rows)))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if not task.cancelled() and (error := task.exception()) is not None:
                    raise error
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.result.finish()

    async def _produce(self, rows: Rows[Any]) -> None:
        journal = self.journal
        async for index, row in numbered(rows, self.options.select):
            if journal is not None and journal.finished(index):
                self.result.skipped += 1
                self._progress()
                continue
            await self.queue.put((index, row))
        for _ in range(self.options.concurrency):
            await self.queue.put(None)

    async def _work(self) -> None:
        while (entry := await self.queue.get()) is not None:
            index, row = entry
            self._record(index, await self.operation(index, row, self.journal))

    def _record(self, index: int, outcome: Outcome) -> None:
        result = self.result
        result.count(outcome.kind)
        if outcome.recovered:
            result.recovered += 1
        if outcome.reference is not None and self.options.keep_references:
            result.references[index] = outcome.reference
        if outcome.error is not None:
            result.errors.append(outcome.error)
        if self.journal is not None:
            self.journal.record(index, outcome.kind, outcome.reference, outcome.error)
        self._progress()

    def _progress(self) -> None:
        if self.options.on_progress is not None:
            self.options.on_progress(self.result.progress())
