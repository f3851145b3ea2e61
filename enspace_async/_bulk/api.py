"""The bulk jobs behind ``client.items.bulk_*``: a :class:`Writer` operation on the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import ConfigurationError
from .engine import JobOptions, run_job
from .ops import Writer
from .result import BulkResult
from .rows import Rows

if TYPE_CHECKING:
    from .._resources.items import Items

__all__ = ["bulk_create", "bulk_delete", "bulk_update", "bulk_upsert"]


def _check_key(key: str | None, *, required: bool) -> None:
    if key is None and not required:
        return
    if not isinstance(key, str) or not key.strip():
        raise ConfigurationError(f"key must be a field refId, got {key!r}")


async def bulk_create(
    items: Items, type_slug: str, rows: Rows[Any], key: str | None, options: JobOptions
) -> BulkResult:
    """Create one item per row; see :meth:`Items.bulk_create`."""
    _check_key(key, required=False)
    writer = Writer(items, type_slug, key=key)
    header = {"op": "create", "type": type_slug, "key": key}
    return await run_job(rows, writer.create, header, options)


async def bulk_update(
    items: Items, type_slug: str, rows: Rows[Any], ref_field: str, options: JobOptions
) -> BulkResult:
    """Update one item per row; see :meth:`Items.bulk_update`."""
    writer = Writer(items, type_slug, ref_field=ref_field)
    header = {"op": "update", "type": type_slug, "key": ref_field}
    return await run_job(rows, writer.update, header, options)


async def bulk_upsert(
    items: Items, type_slug: str, rows: Rows[Any], key: str, options: JobOptions
) -> BulkResult:
    """Update or create one item per row by key; see :meth:`Items.bulk_upsert`."""
    _check_key(key, required=True)
    writer = Writer(items, type_slug, key=key)
    header = {"op": "upsert", "type": type_slug, "key": key}
    return await run_job(rows, writer.upsert, header, options)


async def bulk_delete(
    items: Items, type_slug: str, rows: Rows[Any], ref_field: str, options: JobOptions
) -> BulkResult:
    """Delete one item per reference; see :meth:`Items.bulk_delete`."""
    writer = Writer(items, type_slug, ref_field=ref_field)
    header = {"op": "delete", "type": type_slug, "key": ref_field}
    return await run_job(rows, writer.delete, header, options)
