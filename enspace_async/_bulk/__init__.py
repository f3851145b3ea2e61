"""Bulk writes and reading at scale for ``client.items`` (see :mod:`.engine`, :mod:`.ops`,
:mod:`.checkpoint` and :mod:`.export`)."""

from .api import bulk_create, bulk_delete, bulk_update, bulk_upsert
from .engine import JobOptions, Progress
from .export import Export, ExportIncompleteError, changes_since, iter_keyset
from .result import BulkProgress, BulkResult, RowError
from .rows import Rows

__all__ = [
    "BulkProgress",
    "BulkResult",
    "Export",
    "ExportIncompleteError",
    "JobOptions",
    "Progress",
    "RowError",
    "Rows",
    "bulk_create",
    "bulk_delete",
    "bulk_update",
    "bulk_upsert",
    "changes_since",
    "iter_keyset",
]
