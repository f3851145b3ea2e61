"""The checkpoint journal that lets a killed bulk job resume with every row exactly once.

The journal is an append-only JSON Lines file. Each run appends a header, then one line per
finished row::

    {"journal": 1, "op": "create", "type": "contracts", "key": "code", "concurrency": 32}
    {"i": 0, "o": "created", "r": "CON1A2B3C4D1"}
    {"i": 2, "o": "failed", "e": "BadRequestError: 400 Bad Request: ...", "s": 400}
    {"i": 1, "o": "created", "r": "CON1A2B3C4D2"}

Durability: every line is flushed to the operating system as soon as its row finishes, so a
killed process (SIGKILL, Ctrl-C, a crash) loses nothing; the file is ``fsync``-ed at most once a
second and when the job ends. An operating-system crash or power loss may lose the last second
of lines, and the rows they recorded would be sent again: after one, re-run with
``bulk_upsert`` (by key) instead of resuming. A line cut by the kill is ignored on resume.

On resume, a row is skipped when a line says it finished; a failure marked ``"retry"`` (the
server certainly did not apply it, or a key lookup could not settle it) is tried again. Rows that
may have been **in flight** when the job died are *suspects*. Workers take rows in input order
and at most ``concurrency`` are in flight, so the suspects are the first rows that no line mentions,
as many as the earlier runs' concurrencies add up to. With a key, each suspect is looked up by its key
before it is created; without a key, a suspect is reported as ``unknown`` and never sent.

Memory stays bounded: finished rows are kept as a watermark below which every row is finished,
plus the few finished rows above it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import IO, Any

import orjson

from .._errors import ConfigurationError
from .result import RowError

__all__ = ["DoneSet", "Journal", "JournalHeader"]

_VERSION = 1
_FSYNC_EVERY = 1.0


class DoneSet:
    """A set of row indices, stored as a watermark plus the members above it.

    A shard's rows are ``start``, ``start + step``, ...: the watermark moves by ``step``, so
    memory stays bounded for a shard too.
    """

    def __init__(self, start: int = 0, step: int = 1) -> None:
        self.start, self.step = start, step
        self.low = start  # every index of the shard below low is a member
        self.high = -1  # the largest member
        self._above: set[int] = set()

    def add(self, index: int) -> None:
        """Add ``index``."""
        self.high = max(self.high, index)
        if index < self.low:
            return
        self._above.add(index)
        while self.low in self._above:
            self._above.remove(self.low)
            self.low += self.step

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and (index < self.low or index in self._above)

    def __len__(self) -> int:
        return (self.low - self.start) // self.step + len(self._above)


JournalHeader = dict[str, Any]


class Journal:
    """An open checkpoint journal: what earlier runs finished, and the file to append to.

    Args:
        path: the journal file; created if missing.
        header: this run's ``op``, ``type`` and ``key``; an existing journal must match them.
        concurrency: this run's worker count (it bounds the rows in flight).
        keep_references: also load the references earlier runs created.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        header: JournalHeader,
        *,
        concurrency: int,
        keep_references: bool = True,
    ):
        self.path = Path(path)
        shard = header.get("shard")
        self.done = DoneSet(*shard) if shard else DoneSet()
        self.retry: set[int] = set()
        self.references: dict[int, str] = {}
        self._window = 0
        self._suspects: set[int] = set()
        if self.path.exists():
            self._load(header, keep_references)
        self._file: IO[bytes] = self.path.open("ab")
        self._synced = time.monotonic()
        self._append({"journal": _VERSION, **header, "concurrency": concurrency})

    @property
    def resumed(self) -> bool:
        """Whether an earlier run wrote to this journal."""
        return self._window > 0

    def pending(self, index: int) -> None:
        """Note that row ``index`` is not finished; call it in input order before the row runs.

        The first such rows (not marked for retry), as many as the earlier runs' concurrencies
        add up to, become suspects.
        """
        if self._window > len(self._suspects) and index not in self.retry:
            self._suspects.add(index)

    def suspect(self, index: int) -> bool:
        """Whether row ``index`` may have been in flight when an earlier run died."""
        return index in self._suspects

    def _load(self, header: JournalHeader, keep_references: bool) -> None:
        with self.path.open("rb") as source:
            for number, line in enumerate(source, 1):
                entry = _parse(line, number, self.path)
                if entry is None:
                    continue
                if "journal" in entry:
                    _check_header(entry, header, self.path)
                    # Each earlier run may have left its own rows in flight.
                    self._window += int(entry.get("concurrency", 1))
                    continue
                self._load_row(entry, keep_references)

    def _load_row(self, entry: dict[str, Any], keep_references: bool) -> None:
        index = int(entry["i"])
        if entry.get("retry"):
            self.retry.add(index)
            return
        self.retry.discard(index)
        self.done.add(index)
        if keep_references and "r" in entry:
            self.references[index] = str(entry["r"])

    def record(
        self, index: int, outcome: str, reference: str | None, error: RowError | None
    ) -> None:
        """Append the final outcome of row ``index``."""
        entry: dict[str, Any] = {"i": index, "o": outcome}
        if reference is not None:
            entry["r"] = reference
        if error is not None:
            entry.update(e=error.error, k=_jsonable(error.key), s=error.status)
            if error.retryable:
                entry["retry"] = True
        self._append(entry)

    def _append(self, entry: dict[str, Any]) -> None:
        self._file.write(orjson.dumps(entry) + b"\n")
        self._file.flush()
        now = time.monotonic()
        if now - self._synced >= _FSYNC_EVERY:
            os.fsync(self._file.fileno())
            self._synced = now

    def close(self) -> None:
        """Flush, ``fsync`` and close the file."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


def _parse(line: bytes, number: int, path: Path) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        if line.endswith(b"\n"):
            raise ConfigurationError(f"checkpoint {path} line {number} is not JSON") from None
        return None  # the last line, cut short when the job was killed
    if not isinstance(entry, dict) or not ("journal" in entry or ("i" in entry and "o" in entry)):
        raise ConfigurationError(f"checkpoint {path} line {number} is not a journal entry")
    return entry


def _check_header(entry: dict[str, Any], header: JournalHeader, path: Path) -> None:
    if entry.get("journal") != _VERSION:
        raise ConfigurationError(f"checkpoint {path} has an unknown version {entry.get('journal')}")
    for name, value in header.items():
        if entry.get(name) != value:
            raise ConfigurationError(
                f"checkpoint {path} belongs to another job ({name}={entry.get(name)!r}, "
                f"this job has {value!r}); use a new checkpoint file"
            )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
