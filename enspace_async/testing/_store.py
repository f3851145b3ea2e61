"""In-memory rows: one :class:`Collection` per resource, kept in id order.

Rows are plain dicts shaped exactly as the API sends them, so a page is a slice serialised as
is. Rows stay in increasing ``id`` order, so the common listing (no filter, ``id`` order) is a
slice, a lookup by id is a bisection, and a lookup by key (a reference, a slug) is a dict hit.
Equality filters on one path (``data.email=…``) are served from lazily built indexes that are
kept up to date on every write.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from .._converter import format_datetime

__all__ = ["Collection", "Row", "index_keys", "later", "lookup", "norm", "now_iso"]

Row = dict[str, Any]
_ID = itemgetter("id")
_MISSING = object()


def now_iso() -> str:
    """Return the current time as the API writes timestamps."""
    return format_datetime(datetime.now(UTC))


def later(previous: str, now: str) -> str:
    """Return ``now``, or one millisecond after ``previous`` if ``now`` is not later: an update
    always moves ``updated_at`` forward, even within the same millisecond."""
    if now > previous:
        return now
    moment = datetime.fromisoformat(previous.replace("Z", "+00:00"))
    return format_datetime(moment + timedelta(milliseconds=1))


def lookup(row: Any, path: str) -> Any:
    """Return the value at a dotted ``path`` of ``row``; lists fan out; ``None`` when absent."""
    value = row
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list):
            value = [v.get(part) if isinstance(v, dict) else None for v in value]
        else:
            return None
    return value


def norm(value: Any) -> str | None:
    """Return the index key of a scalar value, or ``None`` for values that are not indexed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def index_keys(value: Any) -> set[str]:
    """Return the index keys of a stored value: scalars, a relation's id/slug/reference, lists."""
    if isinstance(value, list):
        return set().union(*(index_keys(v) for v in value)) if value else set()
    if isinstance(value, dict):
        keys = (norm(value.get(k)) for k in ("id", "slug", "reference"))
        return {k for k in keys if k is not None}
    key = norm(value)
    return set() if key is None else {key}


class Collection:
    """Rows of one resource in id order, with an optional unique key and equality indexes."""

    def __init__(self, key: str | None = None):
        self.rows: list[Row] = []
        self.key = key
        self._by_key: dict[Any, Row] = {}
        self._indexes: dict[str, dict[str, list[Row]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def add(self, row: Row) -> Row:
        """Append ``row``; its ``id`` must be larger than every id already held."""
        if self.rows and row["id"] <= self.rows[-1]["id"]:
            raise ValueError("ids must increase")
        self.rows.append(row)
        if self.key is not None:
            self._by_key[row[self.key]] = row
        for path, index in self._indexes.items():
            _index_add(index, path, row)
        return row

    def get(self, ident: int) -> Row | None:
        """Return the row with ``id == ident``."""
        at = bisect_left(self.rows, ident, key=_ID)
        if at < len(self.rows) and self.rows[at]["id"] == ident:
            return self.rows[at]
        return None

    def find(self, key: Any) -> Row | None:
        """Return the row whose unique key is ``key``."""
        return self._by_key.get(key)

    def remove(self, row: Row) -> None:
        """Remove ``row``."""
        at = bisect_left(self.rows, row["id"], key=_ID)
        del self.rows[at]
        if self.key is not None:
            self._by_key.pop(row[self.key], None)
        for path, index in self._indexes.items():
            _index_remove(index, path, row)

    def update(self, row: Row, changes: Row) -> Row:
        """Apply ``changes`` to ``row`` in place, keeping the indexes true."""
        for path, index in self._indexes.items():
            _index_remove(index, path, row)
        if self.key is not None and self.key in changes:
            self._by_key.pop(row[self.key], None)
            self._by_key[changes[self.key]] = row
        row.update(changes)
        for path, index in self._indexes.items():
            _index_add(index, path, row, ordered=True)
        return row

    def candidates(self, path: str, value: str) -> tuple[list[Row], bool]:
        """Return the rows whose value at ``path`` may equal ``value``, in id order, and
        whether they certainly all do (no row found by a looser spelling of ``value``)."""
        index = self._indexes.get(path)
        if index is None:
            index = self._indexes[path] = {}
            for row in self.rows:
                _index_add(index, path, row)
        found = index.get(value, [])
        looser = {_numeric(value), value.lower() if value.lower() in ("true", "false") else None}
        extra = [k for k in looser if k is not None and k != value and k in index]
        if not extra:
            return found, True
        merged = {row["id"]: row for key in (value, *extra) for row in index.get(key, [])}
        return [merged[k] for k in sorted(merged)], False


def _numeric(text: str) -> str | None:
    try:
        return norm(float(text))
    except ValueError:
        return None


def _index_add(index: dict[str, list[Row]], path: str, row: Row, *, ordered: bool = False) -> None:
    for key in index_keys(lookup(row, path)):
        bucket = index.setdefault(key, [])
        if ordered and bucket and bucket[-1]["id"] > row["id"]:
            bucket.insert(bisect_left(bucket, row["id"], key=_ID), row)
        else:
            bucket.append(row)


def _index_remove(index: dict[str, list[Row]], path: str, row: Row) -> None:
    for key in index_keys(lookup(row, path)):
        _discard(index, key, row)


def _discard(index: dict[str, list[Row]], key: str, row: Row) -> None:
    bucket = index.get(key)
    if bucket:
        at = bisect_left(bucket, row["id"], key=_ID)
        if at < len(bucket) and bucket[at] is row:
            del bucket[at]
