"""Bulk writes and reading at scale for ``client.items``.

* :mod:`.jobs` — ``bulk_create``/``update``/``upsert``/``delete``: a writer on the engine;
* :mod:`.engine` — the bounded-queue job runner, its progress and result;
* :mod:`.writer` — one row's write, with the exactly-once rules;
* :mod:`.checkpoint` — the journal a job resumes from;
* :mod:`.prevalidate` — rows checked against the type's schema first;
* :mod:`.rows`, :mod:`.result` — rows in, counts and row errors out;
* :mod:`.export` — ``export``, ``iter_keyset``, ``changes_since``.
"""

from .engine import JobOptions, Progress
from .export import Export, ExportIncompleteError, changes_since, iter_keyset
from .jobs import bulk_create, bulk_delete, bulk_update, bulk_upsert
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
