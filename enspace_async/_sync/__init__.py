"""The blocking client: thin faces over the async client, run on a loop in a daemon thread.

* :mod:`._portal`: the loop thread, the hand-over of calls to it, fork and exit handling;
* :mod:`._iterators`: plain iterators over paginators, async iterators and exports;
* :mod:`._generated`: the resource faces, written by ``scripts/generate_sync.py`` from the
  async resources (never edited by hand);
* :mod:`._client`: :class:`SyncEnspaceClient` itself.
"""

from ._client import SyncEnspaceClient
from ._iterators import SyncExport, SyncIterator, SyncPaginator

__all__ = ["SyncEnspaceClient", "SyncExport", "SyncIterator", "SyncPaginator"]
