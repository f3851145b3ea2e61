"""The checkpoint journal that lets a killed bulk job resume with every row exactly once.

The journal is an append-only JSON Lines file. Each run appends a header naming the job and
where it writes, then a line before a row's create is sent and a line when a row finishes::

    {"journal": 2, "op": "create", "type": "contracts", "key": "code",
     "origin": "https://api.enspace.io", "workspace": "acme", "concurrency": 32}
    {"i": 0, "o": "sending"}
    {"i": 1, "o": "sending"}
    {"i": 0, "o": "created", "r": "CON1A2B3C4D1"}
    {"i": 1, "o": "failed", "e": "BadRequestError: 400 Bad Request: ...", "s": 400}

On resume, the last line about a row says where it stands:

- ``created``, ``updated``, ``deleted``, ``existing``: done; the row is skipped.
- ``failed``: certainly not applied; the row is sent again (the input may have been fixed).
- ``sending`` (the job died with the row in flight) or ``unknown``: it may have been applied.
  The row is a *suspect*: with a key it is looked up before it is created; without one it is
  reported ``unknown`` again and never sent. Only rows that really were in flight are suspects,
  so a kill leaves at most ``concurrency`` of them.
- no line: never sent; the row runs as new.

One job at a time: the file is held with an exclusive ``flock`` for the whole job, so a second
process on the same journal fails at once; the kernel drops the lock of a process that dies,
so a killed job never blocks its resume. The header records the API origin and workspace; a
journal of another job, origin or workspace is refused.

Durability: every line is flushed to the operating system before the row's request is sent or
as soon as it finishes, so a killed process (SIGKILL, Ctrl-C, a crash) loses nothing; the file
is ``fsync``-ed at most once a second and when the job ends. An operating-system crash or power
loss may lose the last second of lines: after one, re-run with ``bulk_upsert`` (by key) instead
of resuming. A last line cut short by such a crash is removed when the journal is opened (and
logged once); any other line that is not a journal entry is a :class:`ConfigurationError`.

Memory stays bounded: the rows with a line are kept as a watermark plus the few above it; only
the rows not done (failed, suspect) are kept one by one.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

import orjson

from .._errors import ConfigurationError
from .result import OUTCOMES, RowError

if sys.platform != "win32":
    import fcntl

__all__ = ["DoneSet", "Journal", "JournalHeader"]

logger = logging.getLogger("enspace_async.bulk")

_VERSION = 2
_FSYNC_EVERY = 1.0
_SENDING = "sending"
_DONE = frozenset({"created", "updated", "deleted", "existing"})
_STATES = (*OUTCOMES, _SENDING)


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
    """An open checkpoint journal, locked for this job: what earlier runs did, and the file to
    append to.

    Args:
        path: the journal file; created if missing.
        header: this run's ``op``, ``type``, ``key``, ``origin`` and ``workspace`` (and
            ``shard``); an existing journal must match them.
        concurrency: this run's worker count (recorded: it bounds the rows in flight).
        keep_references: also load the references earlier runs created.

    Raises:
        ConfigurationError: another process holds the journal, it belongs to another job, or
            a line is not a journal entry (the message names the line).
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
        self.seen = DoneSet(*shard) if shard else DoneSet()  # rows with any line
        self._open: dict[int, bool] = {}  # rows seen but not done -> whether a suspect
        self.references: dict[int, str] = {}
        self._file = _open_locked(self.path)
        try:
            self._load(header, keep_references)
            self._synced = time.monotonic()
            self._append({"journal": _VERSION, **header, "concurrency": concurrency})
        except BaseException:
            self._file.close()
            raise

    def finished(self, index: int) -> bool:
        """Whether an earlier run finished row ``index`` for good (it is skipped)."""
        return index in self.seen and index not in self._open

    def suspect(self, index: int) -> bool:
        """Whether row ``index`` may have been applied by an earlier run that did not see it
        succeed (in flight when it died, or an unknown outcome)."""
        return self._open.get(index, False)

    def sending(self, index: int) -> None:
        """Note that a write of row ``index`` that is not idempotent is about to be sent."""
        self._append({"i": index, "o": _SENDING})

    def record(
        self, index: int, outcome: str, reference: str | None, error: RowError | None
    ) -> None:
        """Append the final outcome of row ``index``."""
        entry: dict[str, Any] = {"i": index, "o": outcome}
        if reference is not None:
            entry["r"] = reference
        if error is not None:
            entry.update(e=error.error, k=_jsonable(error.key), s=error.status)
        self._append(entry)

    def close(self) -> None:
        """Flush, ``fsync`` and close the file (which releases the lock)."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def _load(self, header: JournalHeader, keep_references: bool) -> None:
        self._file.seek(0)
        end = 0  # where the last complete line ends
        for number, line in enumerate(self._file, 1):
            if not line.endswith(b"\n"):
                self._cut(end, len(line))
                return
            end += len(line)
            entry = _parse(line, number, self.path)
            if entry is None:
                continue
            if "journal" in entry:
                _check_header(entry, header, self.path)
            else:
                self._load_row(entry, keep_references)

    def _cut(self, end: int, size: int) -> None:
        # Lines are written whole before a request goes out, so a cut line recorded nothing
        # that happened: dropping it loses nothing, and the next line starts clean.
        self._file.truncate(end)
        logger.warning("checkpoint %s: removed a cut last line (%d bytes)", self.path, size)

    def _load_row(self, entry: dict[str, Any], keep_references: bool) -> None:
        index, state = entry["i"], entry["o"]
        self.seen.add(index)
        if state not in _DONE:
            self._open[index] = state != "failed"
            return
        self._open.pop(index, None)
        if keep_references and "r" in entry:
            self.references[index] = entry["r"]

    def _append(self, entry: dict[str, Any]) -> None:
        self._file.write(orjson.dumps(entry) + b"\n")
        self._file.flush()
        now = time.monotonic()
        if now - self._synced >= _FSYNC_EVERY:
            os.fsync(self._file.fileno())
            self._synced = now


def _open_locked(path: Path) -> IO[bytes]:
    file = path.open("a+b")
    try:
        _lock(file)
    except OSError:
        file.close()
        raise ConfigurationError(
            f"checkpoint {path} is in use by another running job; wait for it to end, or give "
            "this job a checkpoint of its own"
        ) from None
    return file


def _lock(file: IO[bytes]) -> None:
    """Take an exclusive lock on ``file`` or raise :class:`OSError` at once."""
    if sys.platform == "win32":  # pragma: no cover - the suite runs on POSIX
        import msvcrt

        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _parse(line: bytes, number: int, path: Path) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise ConfigurationError(f"checkpoint {path} line {number} is not JSON") from None
    problem = _problem(entry)
    if problem is not None:
        raise ConfigurationError(
            f"checkpoint {path} line {number} is not a journal entry: {problem}"
        )
    return entry  # type: ignore[no-any-return]


def _problem(entry: Any) -> str | None:
    """What is wrong with a parsed journal line, or ``None``."""
    if not isinstance(entry, dict):
        return f"expected an object, got {type(entry).__name__}"
    if "journal" in entry:
        if entry["journal"] != _VERSION:
            return None  # _check_header refuses it as another version
        concurrency = entry.get("concurrency")
        good = _natural(concurrency, 1)
        return None if good else f'"concurrency" must be a positive integer, got {concurrency!r}'
    if not _natural(entry.get("i"), 0):
        return f'"i" must be a row index, got {entry.get("i")!r}'
    if entry.get("o") not in _STATES:
        return f'"o" must be one of {", ".join(_STATES)}, got {entry.get("o")!r}'
    for name, kind in (("r", str), ("e", str), ("s", int)):
        value = entry.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            return f'"{name}" must be {kind.__name__}, got {value!r}'
    return None


def _natural(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _check_header(entry: dict[str, Any], header: JournalHeader, path: Path) -> None:
    if entry.get("journal") != _VERSION:
        raise ConfigurationError(
            f"checkpoint {path} was written by another version of enspace-async (journal "
            f"{entry.get('journal')!r}, this one reads {_VERSION}); finish that job with the "
            "version that started it, or use a new checkpoint file"
        )
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
