"""What a bulk job reports: :class:`BulkResult`, one :class:`RowError` per failed row, and the
:class:`BulkProgress` snapshots handed to ``on_progress``."""

from __future__ import annotations

import time
from typing import Any

import attrs

from .._errors import APIError, EnspaceError

__all__ = ["OUTCOMES", "BulkProgress", "BulkResult", "RowError", "describe_error"]

# The final outcome of one row, as counted and as written to the checkpoint journal.
OUTCOMES = ("created", "updated", "deleted", "existing", "failed", "unknown")
_MESSAGE_LIMIT = 300


@attrs.frozen
class RowError:
    """Why one row failed, or why its outcome is unknown.

    Attributes:
        index: the row's position in the input (0 for the first row).
        key: the row's key value (``data[key]``) or reference, when it has one.
        error: a one-line description: the error class and the server's message, never a secret.
        status: the HTTP status, for an answer from the server.
        retryable: whether trying the row again later may succeed without changing it (a 429,
            a connection that never opened, an unsettled lookup); a 400 is not.
        unknown: whether the row's write may have been applied (its outcome is ``unknown``);
            false for a row that certainly failed.
    """

    index: int
    key: Any
    error: str
    status: int | None = None
    retryable: bool = False
    unknown: bool = False


def describe_error(exc: BaseException) -> str:
    """Return a short, secret-free description of ``exc`` (SDK errors never hold the key)."""
    text = str(exc) if isinstance(exc, EnspaceError) else ""
    text = " ".join(text.split())
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an :class:`APIError`, else ``None``."""
    return exc.status if isinstance(exc, APIError) else None


@attrs.frozen
class BulkProgress:
    """A snapshot of a running bulk job, handed to ``on_progress`` after each row.

    Attributes:
        done: rows finished (whatever their outcome), skipped ones included.
        created, updated, deleted, existing, failed, unknown: rows by outcome so far.
        skipped: rows a checkpoint said were already done.
        elapsed: seconds since the job started.
    """

    done: int
    created: int
    updated: int
    deleted: int
    existing: int
    failed: int
    unknown: int
    skipped: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Rows finished per second so far (skipped rows excluded)."""
        worked = self.done - self.skipped
        return worked / self.elapsed if self.elapsed > 0 else 0.0


@attrs.define
class BulkResult:
    """The outcome of a bulk job. A failed row never stops the others.

    Attributes:
        created: rows whose item was created (also after an unknown outcome resolved by lookup).
        updated: rows whose item was updated.
        deleted: rows whose item was deleted (or was already gone).
        existing: rows whose key already named an item, left as it was
            (``bulk_create(..., existing="skip")``).
        failed: rows that certainly were not applied; see :attr:`errors`. A resumed job sends
            them again.
        unknown: rows whose write may or may not have been applied (no key to look it up, or
            a lookup that could not settle); see :attr:`errors`. Never sent again blindly: a
            resumed job looks them up by key, or reports them again.
        skipped: rows a checkpoint recorded as finished by an earlier run.
        recovered: rows whose unknown outcome was resolved by looking the key up.
        references: row index → reference of each created (or upserted) item; empty when the
            job was started with ``keep_references=False`` (about 100 bytes per row).
        errors: a :class:`RowError` for every failed or unknown row, in completion order.
        elapsed: seconds the job took.
    """

    created: int = 0
    updated: int = 0
    deleted: int = 0
    existing: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    recovered: int = 0
    references: dict[int, str] = attrs.field(factory=dict, repr=False)
    errors: list[RowError] = attrs.field(factory=list, repr=False)
    elapsed: float = 0.0
    _started: float = attrs.field(factory=time.monotonic, repr=False, eq=False)

    @property
    def total(self) -> int:
        """Rows seen: every outcome plus the skipped ones."""
        return self.done + self.skipped

    @property
    def done(self) -> int:
        """Rows finished in this run (skipped rows excluded)."""
        finished = self.created + self.updated + self.deleted + self.existing
        return finished + self.failed + self.unknown

    @property
    def ok(self) -> bool:
        """Whether no row failed and no outcome is unknown."""
        return self.failed == 0 and self.unknown == 0

    def count(self, outcome: str) -> None:
        """Add one row with ``outcome`` (one of :data:`OUTCOMES`)."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    def progress(self) -> BulkProgress:
        """Return a snapshot of the counters."""
        return BulkProgress(
            done=self.total,
            created=self.created,
            updated=self.updated,
            deleted=self.deleted,
            existing=self.existing,
            failed=self.failed,
            unknown=self.unknown,
            skipped=self.skipped,
            elapsed=time.monotonic() - self._started,
        )

    def finish(self) -> BulkResult:
        """Stamp the elapsed time and return ``self``."""
        self.elapsed = time.monotonic() - self._started
        return self
