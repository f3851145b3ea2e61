"""The blocking client for sync code: ``from enspace_async.sync import SyncEnspaceClient``.

See :class:`SyncEnspaceClient`; in async code use :class:`~enspace_async.EnspaceClient`.
"""

from ._sync import SyncEnspaceClient, SyncExport, SyncIterator, SyncPaginator

__all__ = ["SyncEnspaceClient", "SyncExport", "SyncIterator", "SyncPaginator"]
