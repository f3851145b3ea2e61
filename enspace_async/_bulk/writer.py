"""One row's write, with the exactly-once rules.

Whether a failed write may have been applied is :func:`~enspace_async._protocol.outcome.applied`'s
answer; this module only acts on it. ``NO``: the row failed (nothing was written; a resumed job
sends it again). ``YES``: it is done. ``UNKNOWN`` (a reset or timeout after sending, a 5xx): with
a key the row is looked up by ``data.<key>`` and created again only if it is certainly not
there; without a key it is reported ``unknown`` and never sent again. Updates (``PUT``) and
deletes are idempotent, so the client's own retries cover them. A failed row becomes a
:class:`RowError`; it never stops the job.

Before a create is sent the journal notes it (``sending``), so after a kill the suspects are
exactly the rows that were in flight.

A lookup asks ``/count`` for ``data.<key>=value``, and the count decides: 0 is absent, 2 or more
is a row error ("key not unique"), 1 is fetched from the list for its reference. The API cuts
list pages without warning, so a page that contradicts the count is asked again, then the row
is reported ``unknown``: a cut page is never read as "absent".

The lookup is reliable once the server has finished with the lost request; a request that a
server is still processing (a client timeout shorter than the server's own) could land after
the lookup, so give the client a timeout longer than the server takes to answer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .._errors import EnspaceError, NotFoundError, RateLimitError, TransportError
from .._protocol.outcome import Applied, applied, may_resend
from ..models import Item
from .checkpoint import Journal
from .engine import Outcome
from .result import RowError, describe_error, status_of
from .rows import as_data

if TYPE_CHECKING:
    from .._caller import ItemCalls

__all__ = ["EXISTING", "Writer"]

# What bulk_create does with a row whose key already names an item (None: it does not look).
EXISTING = (None, "skip", "fail")
# How many times one row is created again after lookups found it absent.
_CREATE_TRIES = 5
# How many times a lookup is asked again when the list contradicts /count.
_LOOKUP_TRIES = 3


def _retryable(method: str, exc: BaseException) -> bool:
    """Whether sending the row again later may succeed as it is and cannot apply it twice: a
    failure of the moment (a 429, a 5xx, a transport failure) that :func:`may_resend` allows.
    A 400 is not applied either, but sending it again unchanged would fail again."""
    passing = isinstance(exc, RateLimitError | TransportError)
    passing = passing or applied(method, exc) is Applied.UNKNOWN
    return passing and may_resend(method, exc)


class _Unsettled(Exception):
    """A lookup that cannot name one item: the key is not unique, or pages contradict /count."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


def _error(
    index: int, key: Any, exc: BaseException, *, retryable: bool = False, unknown: bool = False
) -> RowError:
    if isinstance(exc, _Unsettled):
        return RowError(index, key, str(exc), None, exc.retryable, unknown)
    return RowError(index, key, describe_error(exc), status_of(exc), retryable, unknown)


def _failed(index: int, key: Any, exc: BaseException, *, retryable: bool = False) -> Outcome:
    return Outcome("failed", error=_error(index, key, exc, retryable=retryable))


def _unknown(index: int, key: Any, exc: BaseException, *, retryable: bool) -> Outcome:
    return Outcome("unknown", error=_error(index, key, exc, retryable=retryable, unknown=True))


def _bad_row(index: int, key: Any, message: str) -> Outcome:
    return Outcome("failed", error=RowError(index, key, message))


def _failed_create(index: int, key: Any, exc: BaseException) -> Outcome | None:
    """The outcome of a create that raised ``exc``, or ``None`` when it may have been applied."""
    verdict = applied("POST", exc)
    if verdict is Applied.NO:
        return _failed(index, key, exc, retryable=_retryable("POST", exc))
    if verdict is Applied.YES:  # a 2xx whose body did not decode: created, reference unread
        return Outcome("created")
    return None


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
    """The per-row operations of one job on one type.

    ``existing`` (creates with a key): ``None`` looks a row up only when its create's outcome
    is unknown; ``"skip"`` looks every row up first and leaves an existing item alone;
    ``"fail"`` makes an existing item a failed row.
    """

    def __init__(
        self,
        items: ItemCalls,
        type_slug: str,
        *,
        key: str | None = None,
        ref_field: str = "reference",
        existing: str | None = None,
    ):
        self.items = items
        self.type_slug = type_slug
        self.key = key
        self.ref_field = ref_field
        self.existing = existing
        self._locks = _KeyLocks()

    async def lookup(self, value: Any) -> str | None:
        """Return the reference of the one item whose ``data.<key>`` is ``value``, or ``None``
        when ``/count`` says there is none.

        Raises:
            EnspaceError: a count or list request failed.
            _Unsettled: two or more items have the key, or every page contradicted the count.
        """
        filters = {f"data.{self.key}": value}
        shown = 0
        for _ in range(_LOOKUP_TRIES):
            count = await self.items.count(self.type_slug, filters=filters)
            if count == 0:
                return None
            if count > 1:
                message = f"key not unique: {count} items have {self.key}={value!r}"
                raise _Unsettled(message, retryable=False)
            page = self.items.list(self.type_slug, filters=filters, page_size=2)
            found = await page.collect(2)
            if len(found) == 1:
                return found[0].reference
            shown = len(found)
        raise _Unsettled(
            f"lookup unsettled: /count says 1 item has {self.key}={value!r}, the list showed "
            f"{shown} ({_LOOKUP_TRIES} tries)",
            retryable=True,
        )

    def _read(self, index: int, row: Any) -> tuple[dict[str, Any], Any] | Outcome:
        """The row's data and its key value (``None`` without a key), or the failed outcome
        of a row that is not a mapping or has no usable key."""
        try:
            data = as_data(row)
        except TypeError as exc:
            return _bad_row(index, None, str(exc))
        if self.key is None:
            return data, None
        value = data.get(self.key)
        if value is None or value == "":
            return _bad_row(index, None, f"row has no value for the key field {self.key!r}")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            message = f"key {self.key!r} must be a string or a number, got {type(value).__name__}"
            return _bad_row(index, None, message)
        return data, value

    async def create(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Create one item, exactly once when there is a key."""
        read = self._read(index, row)
        if isinstance(read, Outcome):
            return read
        data, value = read
        suspect = journal is not None and journal.suspect(index)
        if value is None:
            return await self._create_blind(index, data, journal, suspect=suspect)
        async with self._locks.hold(value):
            look = suspect or self.existing is not None
            return await self._create_keyed(index, data, value, journal, look=look, sent=suspect)

    async def _create_blind(
        self, index: int, data: dict[str, Any], journal: Journal | None, *, suspect: bool
    ) -> Outcome:
        if suspect:
            message = "outcome unknown: an earlier run sent it and could not tell if it was applied"
            return Outcome("unknown", error=RowError(index, None, message, unknown=True))
        answer = await self._post(index, data, journal)
        if isinstance(answer, Item):
            return Outcome("created", answer.reference)
        return _failed_create(index, None, answer) or _unknown(index, None, answer, retryable=False)

    async def _create_keyed(
        self,
        index: int,
        data: dict[str, Any],
        value: Any,
        journal: Journal | None,
        *,
        look: bool,
        sent: bool,
        update: bool = False,
    ) -> Outcome:
        """Create the row unless its key is found; ``sent``: this row may already exist
        because of an earlier create of its own."""
        last: BaseException | None = None
        for _ in range(_CREATE_TRIES):
            if look:
                try:
                    found = await self.lookup(value)
                except (EnspaceError, _Unsettled) as exc:
                    if sent:
                        return _unknown(index, value, exc, retryable=True)
                    return _failed(index, value, exc, retryable=True)
                if found is not None:
                    return await self._found(index, data, value, found, sent=sent, update=update)
            answer = await self._post(index, data, journal)
            if isinstance(answer, Item):
                return Outcome("created", answer.reference)
            if (settled := _failed_create(index, value, answer)) is not None:
                return settled
            last, look, sent = answer, True, True
        assert last is not None
        return _unknown(index, value, last, retryable=True)

    async def _found(
        self, index: int, data: dict[str, Any], value: Any, found: str, *, sent: bool, update: bool
    ) -> Outcome:
        if sent:  # most likely this row's own earlier create
            return Outcome("created", found, recovered=True)
        if update:
            return await self._put(index, value, found, data)
        if self.existing == "skip":
            return Outcome("existing", found)
        return _bad_row(index, value, f"an item with {self.key}={value!r} exists: {found}")

    async def _post(
        self, index: int, data: dict[str, Any], journal: Journal | None
    ) -> Item | EnspaceError:
        if journal is not None:
            journal.sending(index)  # before the request leaves: a kill now leaves a suspect
        try:
            return await self.items.create(self.type_slug, data)
        except EnspaceError as exc:
            return exc

    async def _put(self, index: int, key: Any, reference: str, data: dict[str, Any]) -> Outcome:
        try:
            await self.items.update(self.type_slug, reference, data)
        except EnspaceError as exc:
            return _failed(index, key, exc, retryable=_retryable("PUT", exc))
        return Outcome("updated", reference)

    async def update(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Merge one row's values into the item its reference names."""
        try:
            data = as_data(row)
        except TypeError as exc:
            return _bad_row(index, None, str(exc))
        reference = data.pop(self.ref_field, None)
        if not isinstance(reference, str) or not reference:
            return _bad_row(index, None, f"row has no {self.ref_field!r} to update")
        return await self._put(index, reference, reference, data)

    async def upsert(self, index: int, row: Any, journal: Journal | None) -> Outcome:
        """Update the item whose key matches the row's, or create it (exactly once)."""
        read = self._read(index, row)
        if isinstance(read, Outcome):
            return read
        data, value = read
        suspect = journal is not None and journal.suspect(index)
        async with self._locks.hold(value):
            return await self._create_keyed(
                index, data, value, journal, look=True, sent=suspect, update=True
            )

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
            return _failed(index, reference, exc, retryable=_retryable("DELETE", exc))
        return Outcome("deleted", reference)
