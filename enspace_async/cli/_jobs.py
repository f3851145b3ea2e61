"""What the commands do, as coroutines on an open client (the typer layer is in ``_app``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console

from .._bulk import BulkResult
from .._bulk.rows import check_shard
from .._client import EnspaceClient
from .._errors import ConfigurationError, NotFoundError
from ._files import RowWriter, count_rows, detect_format, read_rows, text_output
from ._progress import RowProgress

__all__ = [
    "ON_EXISTING",
    "UserError",
    "check_source",
    "checkpoint_path",
    "export_items",
    "field_kinds",
    "import_file",
    "parse_shard",
]

# What ``--on-existing`` may say; the default with ``--key`` is the first.
ON_EXISTING = ("skip", "update", "fail")


class UserError(Exception):
    """A mistake the user can fix: printed as one line, exit code 1."""


async def field_kinds(client: EnspaceClient, type_slug: str) -> dict[str, str]:
    """Return ``{refId: field kind}`` of a type; a missing type is a :class:`UserError`."""
    try:
        await client.types.get(type_slug)
    except NotFoundError:
        where = f" in workspace {client.workspace!r}" if client.workspace else ""
        raise UserError(f"unknown type {type_slug!r}{where} (see: enspace types)") from None
    return {f.refId: str(f.type) async for f in client.fields.list(type_slug)}


def check_source(source: Path, fmt: str | None) -> str:
    """Check the input file exists and return its format (``csv`` or ``jsonl``)."""
    if not source.is_file():
        raise UserError(f"no such file: {source}")
    return detect_format(source, fmt)


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


async def import_file(
    client: EnspaceClient,
    console: Console,
    source: Path,
    *,
    type_slug: str,
    key: str | None,
    concurrency: int,
    resume: bool,
    checkpoint: Path | None,
    fmt: str,
    shard: tuple[int, int] | None = None,
    on_existing: str | None = None,
) -> BulkResult:
    """Import a CSV or JSONL file with a progress bar; return the job's result.

    ``source`` must exist (see :func:`check_source`) and ``fmt`` is ``csv`` or ``jsonl``. With
    a ``key``, an item that has a row's key is never created again: ``on_existing`` (see
    :func:`check_on_existing`) skips it, updates it (``bulk_upsert``) or fails the row. The
    journal is removed only when every row is done (none failed or unknown).
    """
    kinds = await field_kinds(client, type_slug)
    if key is not None and key not in kinds:
        raise UserError(f"type {type_slug!r} has no field {key!r} to use as --key")
    journal = checkpoint_path(source, type_slug, checkpoint, shard)
    if journal.exists() and not resume:
        raise UserError(f"{journal} exists: pass --resume to continue that import, or delete it")
    if resume and not journal.exists():
        raise UserError(
            f"--resume: no journal at {journal}: nothing to resume (run without --resume to "
            "start the import)"
        )
    total = count_rows(source, fmt)
    if shard is not None:
        total = len(range(shard[0], total, shard[1]))
    rows = read_rows(source, fmt, kinds)
    with RowProgress(console, f"import {source.name}", total, client) as bar:
        options: dict[str, Any] = {
            "concurrency": concurrency,
            "on_progress": bar.bulk,
            "checkpoint": journal,
            "keep_references": False,
            "shard": shard,
        }
        if key is not None and on_existing == "update":
            result = await client.items.bulk_upsert(type_slug, rows, key=key, **options)
        else:
            items = client.items
            result = await items.bulk_create(
                type_slug, rows, key=key, existing=on_existing, **options
            )
    if result.ok:
        journal.unlink(missing_ok=True)
    return result


async def export_items(
    client: EnspaceClient,
    console: Console,
    *,
    type_slug: str,
    fmt: str,
    output: str | None,
    concurrency: int,
) -> int:
    """Export every item of a type to a file (or standard output); return the row count."""
    if fmt not in ("csv", "jsonl"):
        raise UserError(f"--format must be csv or jsonl, got {fmt!r}")
    kinds = await field_kinds(client, type_slug)
    out = _open(output)
    started, done = time.monotonic(), 0
    try:
        writer = RowWriter(out, fmt, kinds)
        with RowProgress(console, f"export {type_slug}", None, client) as bar:
            async with client.items.export(type_slug, concurrency=concurrency) as export:
                async for item in export:
                    if done == 0 and export.total is not None:
                        bar.set_total(export.total)
                    writer.write(item)
                    done += 1
                    if done % 100 == 0 or done == export.total:
                        bar.rows(done, done / max(time.monotonic() - started, 1e-9))
    finally:
        if out is not _stdout():
            out.close()
    return done


def _open(output: str | None) -> Any:
    try:
        return text_output(output)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}") from None


def _stdout() -> Any:
    import sys

    return sys.stdout


def check_concurrency(value: int) -> int:
    """Refuse a concurrency below 1 as a user error."""
    if value < 1:
        raise ConfigurationError(f"--concurrency must be at least 1, got {value}")
    return value
