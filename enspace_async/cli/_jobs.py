"""What the commands do, as coroutines on an open client (the typer layer is in ``_app``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console

from .._bulk import BulkResult
from .._bulk.rows import check_shard
from .._client import EnspaceClient
from .._errors import ConfigurationError, NotFoundError
from .._schema import TextFormat, TypeSchema
from ._check import Checked, FirstProblems, Report, check_rows, row_of
from ._columns import Columns
from ._files import Source, records
from ._progress import EVERY, RowProgress
from ._running import UserError
from ._writer import RowWriter, text_output

__all__ = [
    "IMPORT_CONCURRENCY",
    "ON_EXISTING",
    "ImportJob",
    "Imported",
    "check_concurrency",
    "check_file",
    "check_on_existing",
    "checkpoint_path",
    "export_items",
    "import_file",
    "parse_shard",
    "text_format",
    "type_schema",
]

# What ``--on-existing`` may say; the default with ``--key`` is the first.
ON_EXISTING = ("skip", "update", "fail")
IMPORT_CONCURRENCY = 32
_LOCALES = {"pt-br": TextFormat.pt_br(), "en-us": TextFormat()}


async def type_schema(client: EnspaceClient, type_slug: str) -> TypeSchema:
    """Return a type's schema from the client's cache (the bulk job that follows asks it again
    for free); a missing type is a :class:`UserError`."""
    try:
        return await client.types.schema(type_slug)
    except NotFoundError:
        where = f" in workspace {client.workspace!r}" if client.workspace else ""
        raise UserError(f"unknown type {type_slug!r}{where} (see: enspace types)") from None


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """Read ``--shard I/N`` (``0 <= I < N``)."""
    if text is None:
        return None
    index, _, count = text.partition("/")
    try:
        shard = check_shard((int(index), int(count)))
    except (ValueError, ConfigurationError):
        raise UserError(
            f"--shard must be I/N with 0 <= I < N (0/4 ... 3/4), got {text!r}"
        ) from None
    return shard


def checkpoint_path(
    source: Path, type_slug: str, given: Path | None, shard: tuple[int, int] | None = None
) -> Path:
    """The journal of an import: ``given``, or ``<file>.<type>.checkpoint.jsonl`` beside it
    (``<file>.<type>.shard-<i>-of-<n>.checkpoint.jsonl`` for a shard)."""
    part = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    return given or source.with_name(f"{source.name}.{type_slug}{part}.checkpoint.jsonl")


def check_on_existing(key: str | None, on_existing: str | None) -> str | None:
    """Return what to do with an item that has the row's key (``skip`` by default), or
    ``None`` without ``--key``."""
    if key is None:
        if on_existing is not None:
            raise UserError("--on-existing needs --key")
        return None
    if on_existing is None:
        return ON_EXISTING[0]
    if on_existing not in ON_EXISTING:
        raise UserError(f"--on-existing must be skip, update or fail, got {on_existing!r}")
    return on_existing


def text_format(
    locale: str | None, decimal_comma: bool | None, date_format: str | None
) -> TextFormat:
    """How CSV cells write numbers and dates: ``--locale`` (``pt-BR`` or ``en-US``), then
    ``--decimal-comma``/``--decimal-point`` and ``--date-format`` over it."""
    base = TextFormat()
    if locale is not None:
        found = _LOCALES.get(locale.replace("_", "-").lower())
        if found is None:
            raise UserError(f"--locale must be pt-BR or en-US, got {locale!r}")
        base = found
    if date_format is not None and "%" not in date_format:
        raise UserError(f"--date-format takes strptime codes such as %d/%m/%Y, got {date_format!r}")
    changes: dict[str, Any] = {}
    if decimal_comma is not None:
        changes["decimal_comma"] = decimal_comma
    if date_format is not None:
        changes["date_format"] = date_format
    return attrs.evolve(base, **changes)


@attrs.frozen(kw_only=True)
class ImportJob:
    """What ``enspace import`` was asked to do (checked by the typer layer)."""

    source: Source
    type_slug: str
    key: str | None = None
    on_existing: str | None = None
    concurrency: int = IMPORT_CONCURRENCY
    resume: bool = False
    checkpoint: Path | None = None
    shard: tuple[int, int] | None = None
    text: TextFormat = attrs.Factory(TextFormat)
    ignore_unknown: bool = False
    every: float = EVERY

    @property
    def journal(self) -> Path:
        """Where the import's journal is."""
        return checkpoint_path(self.source.path, self.type_slug, self.checkpoint, self.shard)


@attrs.frozen
class Imported:
    """An import's result, the line of the file each failed or unknown row is on, and the
    requests sent (with ``--key`` every row is looked up first: two a row)."""

    result: BulkResult
    lines: dict[int, int]
    requests: int


async def check_file(
    client: EnspaceClient, job: ImportJob, report: Report
) -> tuple[TypeSchema, Columns, Checked]:
    """Do everything an import does before its first write: get the type's schema, check
    the key, map the columns, and read the whole file, reporting each problem of each row.

    Raises:
        UserError: a mistake that stops the import (an unknown type, key or column, a file
            that cannot be read).
    """
    schema = await _job_schema(client, job)
    columns = Columns(schema, ignore_unknown=job.ignore_unknown)
    checked = check_rows(job.source, columns, schema, job.text, shard=job.shard, report=report)
    return schema, columns, checked


async def import_file(client: EnspaceClient, console: Console, job: ImportJob) -> Imported:
    """Import a CSV or JSONL file with progress on ``console``.

    The whole file is read once before the first write (:func:`check_file`): a wrong header,
    an undecodable byte or a ragged row sends nothing, and the rows that do not fit the type
    are printed by line, then fail without a request while the others are sent. With a
    ``key``, an item that has a row's key is never created again: ``on_existing`` skips it,
    updates it (``bulk_upsert``) or fails the row. The journal is removed only when every
    row is done (none failed or unknown).
    """
    await _job_schema(client, job)  # a wrong --type or --key before the journal is looked at
    _check_journal(job)
    first = FirstProblems()
    schema, columns, checked = await check_file(client, job, first)
    if columns.ignored:
        left_out = ", ".join(repr(c) for c in columns.ignored)
        console.print(f"leaving out columns {left_out}", highlight=False, soft_wrap=True)
    first.print(console, checked, job.type_slug)
    rows = _rows(job, columns, schema)
    label = f"import {job.source.path.name}"
    with RowProgress(console, label, checked.rows, client, every=job.every) as bar:
        result = await _send(client, job, rows, bar)
    if result.ok:
        job.journal.unlink(missing_ok=True)
    lines = _lines(job.source, {e.index for e in result.errors})
    return Imported(result, lines, client.stats.attempts)


async def _job_schema(client: EnspaceClient, job: ImportJob) -> TypeSchema:
    schema = await type_schema(client, job.type_slug)  # asked once: later calls hit the cache
    if job.key is not None and schema.field(job.key) is None:
        raise UserError(f"type {job.type_slug!r} has no field {job.key!r} to use as --key")
    return schema


def _check_journal(job: ImportJob) -> None:
    journal = job.journal
    if journal.exists() and not job.resume:
        raise UserError(f"{journal} exists: pass --resume to continue that import, or delete it")
    if job.resume and not journal.exists():
        raise UserError(
            f"--resume: no journal at {journal}: nothing to resume (run without --resume to "
            "start the import)"
        )


def _rows(job: ImportJob, columns: Columns, schema: TypeSchema) -> Iterator[dict[str, Any]]:
    """The file's rows as ``{refId: value}``; CSV text converted by the fields' kinds."""
    for _, record in records(job.source):
        yield row_of(job.source, columns, schema, job.text, record)


async def _send(
    client: EnspaceClient, job: ImportJob, rows: Iterator[dict[str, Any]], bar: RowProgress
) -> BulkResult:
    options: dict[str, Any] = {
        "concurrency": job.concurrency,
        "on_progress": bar.bulk,
        "checkpoint": job.journal,
        "keep_references": False,
        "shard": job.shard,
    }
    items = client.items
    if job.key is not None and job.on_existing == "update":
        return await items.bulk_upsert(job.type_slug, rows, key=job.key, **options)
    return await items.bulk_create(
        job.type_slug, rows, key=job.key, existing=job.on_existing, **options
    )


def _lines(source: Source, indexes: set[int]) -> dict[int, int]:
    """The line of the file each row of ``indexes`` starts on (read again: only on errors)."""
    if not indexes:
        return {}
    found = {}
    for index, (line, _) in enumerate(records(source)):
        if index in indexes:
            found[index] = line
    return found


async def export_items(
    client: EnspaceClient,
    console: Console,
    *,
    type_slug: str,
    fmt: str,
    output: str | None,
    concurrency: int,
    every: float = EVERY,
) -> int:
    """Export every item of a type to a file (or standard output); return the row count."""
    if fmt not in ("csv", "jsonl"):
        raise UserError(f"--format must be csv or jsonl, got {fmt!r}")
    schema = await type_schema(client, type_slug)
    out = _open(output)
    started, done = time.monotonic(), 0
    try:
        writer = RowWriter(out, fmt, [f.ref_id for f in schema.fields])
        with RowProgress(console, f"export {type_slug}", None, client, every=every) as bar:
            async with client.items.export(type_slug, concurrency=concurrency) as export:
                async for item in export:
                    if done == 0 and export.total is not None:
                        bar.set_total(export.total)
                    writer.write(item)
                    done += 1
                    if done % 100 == 0 or done == export.total:
                        bar.rows(done, done / max(time.monotonic() - started, 1e-9))
    finally:
        if output not in (None, "-"):
            out.close()
    return done


def _open(output: str | None) -> Any:
    try:
        return text_output(output)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}") from None


def check_concurrency(value: int) -> int:
    """Refuse a concurrency below 1 as a user error."""
    if value < 1:
        raise UserError(f"--concurrency must be at least 1, got {value}")
    return value
