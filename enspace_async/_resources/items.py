"""``client.items``: the items (records) of a type."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from attrs import AttrsInstance

from .. import _bulk, _typed
from .._bulk import BulkResult, Export, JobOptions, Progress, Rows
from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Item
from ._base import Resource, query_of

__all__ = ["Items"]

M = TypeVar("M", bound=AttrsInstance)


class Items(Resource):
    """The items of the types of the client's workspace."""

    def list(
        self,
        type_slug: str,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Item]:
        """Iterate over the items of a type.

        Args:
            type_slug: the type's slug.
            filters: ``{"status": "active", "created_at_gte": dt, "data.city": "Recife"}``;
                lists repeat the parameter (``"id_in": [1, 2]``); an empty ``_in`` list
                matches no row, so nothing is sent.
            sort: ``"id:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Raises:
            ConfigurationError: at once, for a bad argument: ``_start``, ``_limit``, ``_sort``
                or ``_q`` in ``filters`` (pass ``start=``, ``page_size=``, ``sort=``, ``q=``),
                text that cannot be sent, a path segment that could change the path.
        """
        return self._paginate(
            "items.list",
            Item,
            {"slug": type_slug},
            query=query_of(filters, sort, q),
            page_size=page_size,
            start=start,
        )

    async def count(
        self, type_slug: str, *, filters: Mapping[str, Any] | None = None, q: str | None = None
    ) -> int:
        """Return how many items of the type match the filters."""
        return await self._count(
            "items.count", {"slug": type_slug}, query=query_of(filters, None, q)
        )

    async def get(self, type_slug: str, reference: str) -> Item:
        """Return one item by its reference.

        Raises:
            NotFoundError: no item has this reference.
        """
        # The path values inline, so this frame keeps no dict alive while the call is in flight.
        return await self._client._call(
            "items.get", {"slug": type_slug, "ref": reference}, into=Item
        )

    async def get_as(self, type_slug: str, reference: str, model: type[M]) -> M:
        """Return one item as a typed model (a class made by ``enspace codegen``).

        Raises:
            NotFoundError: no item has this reference.
            DecodeError: a value the model requires is absent or does not fit it.
            ConfigurationError: ``model`` was generated for another type.
        """
        _typed.check_type(model, type_slug)
        return _typed.load_model(model, await self.get(type_slug, reference))

    def list_as(
        self,
        type_slug: str,
        model: type[M],
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[M]:
        """Iterate over the items of a type as typed models; the arguments are :meth:`list`'s.

        Raises:
            ConfigurationError: ``model`` was generated for another type, or a bad argument.
            DecodeError: while iterating, a value the model requires is absent or does not fit.
        """
        _typed.check_type(model, type_slug)
        items = self.list(
            type_slug, filters=filters, sort=sort, q=q, page_size=page_size, start=start
        )

        async def fetch(offset: int, limit: int) -> list[M]:
            return [_typed.load_model(model, i) for i in await items._fetch(offset, limit)]

        return AsyncPaginator(fetch, page_size=page_size, start=start, source=items.source)

    async def create(self, type_slug: str, data: Mapping[str, Any] | AttrsInstance) -> Item:
        """Create an item from values keyed by field ``refId``, or from a typed model (a class
        made by ``enspace codegen``); return it with its reference.

        Raises:
            BadRequestError: the values do not fit the type's fields (see ``error.messages``).
            ConfigurationError: a model generated for another type.
        """
        if isinstance(data, Mapping):
            values = dict(data)
        else:
            _typed.check_type(type(data), type_slug)
            values = _typed.dump_model(data)
        body = {"data": values}
        return await self._client._call("items.create", {"slug": type_slug}, json=body, into=Item)

    async def update(self, type_slug: str, reference: str, data: Mapping[str, Any]) -> Item:
        """Merge ``data`` into the item's values and return the item."""
        return await self._client._call(
            "items.update",
            {"slug": type_slug, "ref": reference},
            json={"data": dict(data)},
            into=Item,
        )

    async def delete(self, type_slug: str, reference: str) -> None:
        """Delete one item."""
        await self._client._call("items.delete", {"slug": type_slug, "ref": reference})

    # Bulk jobs and reading at scale: thin wrappers around enspace_async._bulk.

    async def bulk_create(
        self,
        type_slug: str,
        rows: Rows[Mapping[str, Any]],
        *,
        key: str | None = None,
        concurrency: int = 32,
        on_progress: Progress | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        keep_references: bool = True,
        shard: tuple[int, int] | None = None,
        existing: str | None = None,
        validate: bool = True,
    ) -> BulkResult:
        """Create one item per row, ``concurrency`` at a time, reading the rows lazily.

        With a ``key`` (a field refId whose value is unique per row), a create whose outcome
        is unknown is looked up by ``data.<key>`` before it is sent again, so no item is ever
        created twice. Without one, such rows are counted as ``unknown`` and never resent.
        Run again with the same ``checkpoint``, finished rows are skipped, failed rows are
        sent again, and rows that may have been applied are looked up (or, without a key,
        reported ``unknown`` again).

        Args:
            type_slug: the type's slug.
            rows: an iterable or async iterable of ``{refId: value}`` mappings.
            key: the refId that identifies a row; makes the import exactly-once.
            concurrency: rows in flight at once (the client's rate limiter still applies).
            on_progress: called with a :class:`BulkProgress` after every row.
            checkpoint: a journal file; running again with it skips the rows already done.
            keep_references: keep ``result.references`` (about 100 bytes per row).
            shard: ``(index, count)``: handle only the rows whose position modulo ``count``
                is ``index``, so ``count`` workers split one input without overlap; give each
                its own checkpoint.
            existing: with a ``key``: ``None`` trusts that no row's key exists yet (a row is
                looked up only after an unknown outcome: no extra request without faults);
                ``"skip"`` looks every row up first and leaves an item that has its key alone
                (counted in ``result.existing``); ``"fail"`` makes such a row a failed one.
            validate: check every row against the type's schema first (one request for the
                schema, cached by the client): a row that does not fit fails with its
                problems, without a request. ``False`` sends every row as it is.

        Returns:
            The counts, the references created, and a :class:`RowError` per failed row.

        Raises:
            ConfigurationError: a bad argument, a checkpoint of another job, origin or
                workspace, or one another process is using.
        """
        options = JobOptions(concurrency, on_progress, checkpoint, keep_references, shard)
        return await _bulk.bulk_create(self, type_slug, rows, key, options, existing, validate)

    async def bulk_update(
        self,
        type_slug: str,
        rows: Rows[Mapping[str, Any]],
        *,
        reference_field: str = "reference",
        concurrency: int = 32,
        on_progress: Progress | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        validate: bool = True,
    ) -> BulkResult:
        """Merge each row's values into the item its ``reference_field`` names.

        Args:
            type_slug: the type's slug.
            rows: mappings with the reference and the values to merge.
            reference_field: the row key holding the item reference.
            concurrency: rows in flight at once.
            on_progress: called with a :class:`BulkProgress` after every row.
            checkpoint: a journal file to resume from.
            validate: check the values against the type's schema first (see
                :meth:`bulk_create`).
        """
        options = JobOptions(concurrency, on_progress, checkpoint)
        return await _bulk.bulk_update(self, type_slug, rows, reference_field, options, validate)

    async def bulk_upsert(
        self,
        type_slug: str,
        rows: Rows[Mapping[str, Any]],
        *,
        key: str,
        concurrency: int = 32,
        on_progress: Progress | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        keep_references: bool = True,
        shard: tuple[int, int] | None = None,
        validate: bool = True,
    ) -> BulkResult:
        """Update the item whose ``data.<key>`` matches each row, or create it exactly once.

        Args:
            type_slug: the type's slug.
            rows: ``{refId: value}`` mappings, each with a value for ``key``.
            key: the refId that identifies a row.
            concurrency: rows in flight at once.
            on_progress: called with a :class:`BulkProgress` after every row.
            checkpoint: a journal file to resume from.
            keep_references: keep ``result.references``.
            shard: ``(index, count)``: only this shard's rows (see :meth:`bulk_create`).
            validate: check every row against the type's schema first (see
                :meth:`bulk_create`).
        """
        options = JobOptions(concurrency, on_progress, checkpoint, keep_references, shard)
        return await _bulk.bulk_upsert(self, type_slug, rows, key, options, validate)

    async def bulk_delete(
        self,
        type_slug: str,
        references: Rows[str | Mapping[str, Any]],
        *,
        reference_field: str = "reference",
        concurrency: int = 32,
        on_progress: Progress | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
    ) -> BulkResult:
        """Delete the items named by references (strings, or mappings with ``reference_field``).

        An item already gone counts as deleted.
        """
        options = JobOptions(concurrency, on_progress, checkpoint, keep_references=False)
        return await _bulk.bulk_delete(self, type_slug, references, reference_field, options)

    def export(
        self,
        type_slug: str,
        *,
        concurrency: int = 8,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Export:
        """Iterate over every matching item, ``concurrency`` pages at a time, in order.

        Asks ``/count`` while the first pages are already on the wire, keeps ``concurrency``
        pages in flight, and checks every page against the count: a short page is fetched once
        more, then :class:`ExportIncompleteError` is raised rather than rows silently missing.

        Args:
            type_slug: the type's slug.
            concurrency: pages fetched at once.
            filters: as for :meth:`list`.
            sort: as for :meth:`list`; ``"id:asc"`` by default.
            page_size: rows per page, 1 to 100.

        Raises:
            ExportIncompleteError: a page came back short twice (rows went missing).
        """
        return Export(
            self,
            type_slug,
            concurrency=concurrency,
            filters=filters,
            sort=sort,
            page_size=page_size,
        )

    def iter_keyset(
        self,
        type_slug: str,
        *,
        filters: Mapping[str, Any] | None = None,
        after_id: int = 0,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[Item]:
        """Iterate in ``id`` order by ``id_gt`` pages: correct while others write.

        Args:
            type_slug: the type's slug.
            filters: as for :meth:`list`.
            after_id: start after this id (the last id seen, to resume).
            page_size: rows per page, 1 to 100.
        """
        return _bulk.iter_keyset(
            self, type_slug, filters=filters, after_id=after_id, page_size=page_size
        )

    def changes_since(
        self,
        type_slug: str,
        since: datetime | str,
        *,
        after_id: int | None = None,
        filters: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[Item]:
        """Iterate over items updated at or after ``since``, in ``(updated_at, id)`` order.

        For incremental sync, keep the last item's ``updated_at`` and ``id`` and pass them as
        ``since`` and ``after_id`` next time: no row at that instant is repeated or skipped.

        Args:
            type_slug: the type's slug.
            since: a datetime or an API timestamp string.
            after_id: skip the rows updated exactly at ``since`` with an id up to this one.
            filters: as for :meth:`list`.
            page_size: rows per page, 1 to 100.
        """
        return _bulk.changes_since(
            self, type_slug, since, after_id=after_id, filters=filters, page_size=page_size
        )
