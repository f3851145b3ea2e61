"""One row's write, with the exactly-once rules.

A create whose outcome is unknown (:func:`~enspace_async.outcome_unknown`: the connection broke
after sending, a timeout after sending, or a 5xx) may or may not have been applied. With a key,
the row is looked up by ``data.<key>`` and created again only if it is not there; without a
key, it is reported as ``unknown`` and never sent again. Updates (``PUT``) and deletes are
idempotent, so the client's own retries cover them. A failed row becomes a :class:`RowError`;
it never stops the job.

The lookup is reliable once the server has finished with the lost request; a request that a
server is still processing (a client timeout shorter than the server's own) could land after
the lookup, so give the client a timeout longer than the server takes to answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import EnspaceError, NotFoundError, RateLimitError, TransportError
from .._outcome import Applied, applied, outcome_unknown
from .checkpoint import Journal
from .engine import Outcome
from .result import RowError, describe_error, status_of
from .rows import as_data

if TYPE_CHECKING:
    from .._resources.items import Items

__all__ = ["Writer"]

# How many times one row is created again after lookups found it absent.
_CREATE_TRIES = 5


def _not_applied(exc: BaseException) -> bool:
    """Whether the server certainly did not apply the write (safe to send again later)."""
    transient = isinstance(exc, RateLimitError | TransportError)
    return transient and applied("POST", exc) is Applied.NO


def _error(index: int, key: Any, exc: BaseException, *, retryable: bool = False) -> RowError:
    return RowError(index, key, describe_error(exc), status_of(exc), retryable)


def _failed(index: int, key: Any, exc: BaseException, *, retryable: bool = False) -> Outcome:
    return Outcome("failed", error=_error(index, key, exc, retryable=retryable))


def _bad_row(index: int, key: Any, message: str) -> Outcome:
    return Outcome("failed", error=RowError(index, key, message))


class _KeyLocks:
    """One lock per key value in flight, so two rows with one key never race to create."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    def hold(self, value: Any) -> _Held:
        return _Held(self, value)

    def acquire_ref(self, value: Any) -> asyncio.Lock:
        lock, users = self._locks.get(value, (asyncio.Lock(), 0))
        self._locks[value] = (lock, users + 1)
        return lock

    def release_ref(self, value: Any) -> None:
        lock, users = self._locks[value]
        if users <= 1:
            del self._locks[value]
        else:
            self._locks[value] = (lock, users - 1)


class _Held:
    def __init__(self, locks: _KeyLocks, value: Any):
        self._locks, self._value = locks, value
        self._lock: asyncio.Lock | None = None

    async def __aenter__(self) -> None:
        self._lock = self._locks.acquire_ref(self._value)
        await self._lock.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._lock is not None
        self._lock.release()
        self._locks.release_ref(self._value)


class Writer:
    """The per-row operations of one job on one type."""

    def __init__(
        self, items: Items, type_slug: str, *, key: str | None = None, ref_field: str = "reference"
    ):
        self.items = items
        self.type_slug = type_slug
        self.key = key
        self.ref_field = ref_field
        self._locks = _KeyLocks()

    async def lookup(self, value: Any) -> str | None:
        """Return the reference of an item whose ``data.<key>`` is ``value``, or ``None``."""
        found = await self.items.list(
            self.type_slug, filters={f"data.{self.key}": value}, page_size=1
        ).collect(1)
        return found[0].reference if found else None

    def _key_of(self, index: int, data: Mapping[str, Any]) -> tuple[Any, Outcome | None]:
        value = data.get(self.key) if self.key else None
        if self.key is None:
            return None, None
        if value is None or value == "":
            return None, _bad_row(index, None, f"row has no value for the key field {self.key!r}")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            message = f"key {self.key!r} must be a string or a number, got {type(value).__name__}"
            return None, _bad_row(index, None, message)
        return value, None

    async def create(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Create one item, exactly once when there is a key."""
        try:
            data = as_data(row)
        except TypeError as exc:
            return _bad_row(index, None, str(exc))
        value, bad = self._key_of(index, data)
        if bad is not None:
            return bad
        if value is None:
            return await self._create_blind(index, data, journal)
        async with self._locks.hold(value):
            look_first = journal is not None and (journal.suspect(index) or index in journal.retry)
            return await self._create_once(index, data, value, look_first=look_first)

    async def _create_blind(
        self, index: int, data: dict[str, Any], journal: Journal | None
    ) -> Outcome:
        if journal is not None and journal.suspect(index):
            message = "outcome unknown: the row was in flight when an earlier run stopped"
            return Outcome("unknown", error=RowError(index, None, message))
        try:
            item = await self.items.create(self.type_slug, data)
        except EnspaceError as exc:
            if outcome_unknown(exc):
                return Outcome("unknown", error=_error(index, None, exc))
            return _failed(index, None, exc, retryable=_not_applied(exc))
        return Outcome("created", item.reference)

    async def _create_once(
        self, index: int, data: dict[str, Any], value: Any, *, look_first: bool
    ) -> Outcome:
        last: BaseException | None = None
        for _ in range(_CREATE_TRIES):
            if look_first:
                try:
                    found = await self.lookup(value)
                except EnspaceError as exc:
                    return Outcome("unknown", error=_error(index, value, exc, retryable=True))
                if found is not None:
                    return Outcome("created", found, recovered=last is not None or look_first)
            try:
                item = await self.items.create(self.type_slug, data)
            except EnspaceError as exc:
                if not outcome_unknown(exc):
                    return _failed(index, value, exc, retryable=_not_applied(exc))
                last, look_first = exc, True
                continue
            return Outcome("created", item.reference)
        assert last is not None
        return Outcome("unknown", error=_error(index, value, last, retryable=True))

    async def update(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Merge one row's values into the item its reference names."""
        try:
            data = as_data(row)
        except TypeError as exc:
            return _bad_row(index, None, str(exc))
        reference = data.pop(self.ref_field, None)
        if not isinstance(reference, str) or not reference:
            return _bad_row(index, None, f"row has no {self.ref_field!r} to update")
        try:
            await self.items.update(self.type_slug, reference, data)
        except EnspaceError as exc:
            return _failed(index, reference, exc, retryable=_retryable_idempotent(exc))
        return Outcome("updated", reference)

    async def upsert(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Update the item whose key matches the row's, or create it (exactly once)."""
        try:
            data = as_data(row)
        except TypeError as exc:
            return _bad_row(index, None, str(exc))
        value, bad = self._key_of(index, data)
        if bad is not None:
            return bad
        async with self._locks.hold(value):
            try:
                found = await self.lookup(value)
            except EnspaceError as exc:
                return _failed(index, value, exc, retryable=True)
            if found is None:
                return await self._create_once(index, data, value, look_first=False)
            try:
                await self.items.update(self.type_slug, found, data)
            except EnspaceError as exc:
                return _failed(index, value, exc, retryable=_retryable_idempotent(exc))
            return Outcome("updated", found)

    async def delete(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Delete the item a reference (or a row with one) names; one already gone counts."""
        reference = row if isinstance(row, str) else None
        if reference is None:
            try:
                reference = as_data(row).get(self.ref_field)
            except TypeError as exc:
                return _bad_row(index, None, str(exc))
        if not isinstance(reference, str) or not reference:
            return _bad_row(index, None, f"row has no {self.ref_field!r} to delete")
        try:
            await self.items.delete(self.type_slug, reference)
        except NotFoundError:
            return Outcome("deleted", reference)
        except EnspaceError as exc:
            return _failed(index, reference, exc, retryable=_retryable_idempotent(exc))
        return Outcome("deleted", reference)


def _retryable_idempotent(exc: BaseException) -> bool:
    return _not_applied(exc) or outcome_unknown(exc)
