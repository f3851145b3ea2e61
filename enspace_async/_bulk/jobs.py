"""The bulk jobs behind ``client.items.bulk_*``: a :class:`Writer` operation on the engine.

Each job's journal header names the job (``op``, ``type``, ``key``) and where it writes
(``origin``, ``workspace``), so a checkpoint is never resumed against another job, server or
workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import ConfigurationError
from .checkpoint import JournalHeader
from .engine import JobOptions, Operation, run_job
from .prevalidate import validated
from .result import BulkResult
from .rows import Rows
from .writer import EXISTING, Writer

if TYPE_CHECKING:
    from .._caller import ItemCalls

__all__ = ["bulk_create", "bulk_delete", "bulk_update", "bulk_upsert"]


def _check_key(key: str | None, *, required: bool) -> None:
    if key is None and not required:
        return
    if not isinstance(key, str) or not key.strip():
        raise ConfigurationError(f"key must be a field refId, got {key!r}")


def _header(items: ItemCalls, op: str, type_slug: str, key: str | None) -> JournalHeader:
    client = items._client
    target = {"origin": str(client.base_url), "workspace": client.workspace}
    return {"op": op, "type": type_slug, "key": key, **target}


async def _checked(
    items: ItemCalls, type_slug: str, operation: Operation, validate: bool, **how: Any
) -> Operation:
    """``operation``, preceded by the schema's check of each row when ``validate``."""
    if not validate:
        return operation
    schema = await items._client.types.schema(type_slug)
    return validated(operation, schema, **how)


async def bulk_create(
    items: ItemCalls,
    type_slug: str,
    rows: Rows[Any],
    key: str | None,
    options: JobOptions,
    existing: str | None = None,
    validate: bool = True,
) -> BulkResult:
    """Create one item per row; see :meth:`Items.bulk_create`."""
    _check_key(key, required=existing is not None)
    if existing not in EXISTING:
        raise ConfigurationError(f'existing must be None, "skip" or "fail", got {existing!r}')
    writer = Writer(items, type_slug, key=key, existing=existing)
    header = _header(items, "create", type_slug, key)
    create = await _checked(items, type_slug, writer.create, validate, key=key)
    return await run_job(rows, create, header, options, items._client._telemetry)


async def bulk_update(
    items: ItemCalls,
    type_slug: str,
    rows: Rows[Any],
    ref_field: str,
    options: JobOptions,
    validate: bool = True,
) -> BulkResult:
    """Update one item per row; see :meth:`Items.bulk_update`."""
    writer = Writer(items, type_slug, ref_field=ref_field)
    header = _header(items, "update", type_slug, ref_field)
    how = {"key": ref_field, "partial": True, "not_values": (ref_field,)}
    update = await _checked(items, type_slug, writer.update, validate, **how)
    return await run_job(rows, update, header, options, items._client._telemetry)


async def bulk_upsert(
    items: ItemCalls,
    type_slug: str,
    rows: Rows[Any],
    key: str,
    options: JobOptions,
    validate: bool = True,
) -> BulkResult:
    """Update or create one item per row by key; see :meth:`Items.bulk_upsert`."""
    _check_key(key, required=True)
    writer = Writer(items, type_slug, key=key)
    header = _header(items, "upsert", type_slug, key)
    upsert = await _checked(items, type_slug, writer.upsert, validate, key=key)
    return await run_job(rows, upsert, header, options, items._client._telemetry)


async def bulk_delete(
    items: ItemCalls, type_slug: str, rows: Rows[Any], ref_field: str, options: JobOptions
) -> BulkResult:
    """Delete one item per reference; see :meth:`Items.bulk_delete`."""
    writer = Writer(items, type_slug, ref_field=ref_field)
    header = _header(items, "delete", type_slug, ref_field)
    return await run_job(rows, writer.delete, header, options, items._client._telemetry)
