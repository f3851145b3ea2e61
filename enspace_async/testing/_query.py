"""Lists as §3 of the API notes describes them: filters, ``_q``, ``_sort``, ``_start``/``_limit``.

A query is parsed once into predicates. The common case — no filter, ``id`` order — is a slice
of the id-ordered rows; an equality filter is answered from an index of its path; anything
else is one pass over the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from multidict import MultiMapping

from ._problems import invalid
from ._store import Collection, Row, lookup

__all__ = ["MAX_LIMIT", "ListQuery", "parse_query"]

MAX_LIMIT = 100
_OPS = ("_contains", "_null", "_nin", "_in", "_ne", "_lte", "_lt", "_gte", "_gt")
Predicate = Callable[[Row], bool]


class ListQuery:
    """A parsed list or count query."""

    __slots__ = ("eq", "eq_check", "limit", "predicates", "sort", "start")

    def __init__(self) -> None:
        self.predicates: list[Predicate] = []
        self.eq: tuple[str, str] | None = None
        self.eq_check: Predicate | None = None
        self.sort: list[tuple[str, bool]] = []
        self.start = 0
        self.limit = MAX_LIMIT

    def _source(self, rows: Collection | Sequence[Row]) -> tuple[Sequence[Row], list[Predicate]]:
        """The rows to scan and the predicates left to check on them."""
        source: Sequence[Row]
        if isinstance(rows, Collection):
            if self.eq is None:
                return rows.rows, self.predicates
            source, exact = rows.candidates(*self.eq)
        else:
            source, exact = rows, self.eq is None
        if exact or self.eq_check is None:
            return source, self.predicates
        return source, [self.eq_check, *self.predicates]

    def matching(self, rows: Collection | Sequence[Row]) -> Sequence[Row]:
        """Return every row that passes the filters, sorted, before paging."""
        source, predicates = self._source(rows)
        if predicates:
            source = [r for r in source if all(p(r) for p in predicates)]
        if self.sort and self.sort != [("id", False)]:
            source = _sorted(source, self.sort)
        return source

    def page(self, rows: Collection | Sequence[Row]) -> list[Row]:
        """Return the page of ``rows`` this query asks for.

        In ``id`` order with no filter left to check, this is a slice: no scan at all.
        """
        end = self.start + self.limit
        ascending = not self.sort or self.sort == [("id", False)]
        if ascending or self.sort == [("id", True)]:
            source, predicates = self._source(rows)
            if not predicates and ascending:
                return list(source[self.start : end])
            if not predicates:
                n = len(source)
                return list(source[max(n - end, 0) : max(n - self.start, 0)][::-1])
        return list(self.matching(rows)[self.start : end])

    def count(self, rows: Collection | Sequence[Row]) -> int:
        """Return how many rows pass the filters."""
        source, predicates = self._source(rows)
        if not predicates:
            return len(source)
        return sum(1 for r in source if all(p(r) for p in predicates))


def parse_query(query: MultiMapping[str], *, paged: bool = True) -> ListQuery:
    """Parse the query string of a list (or, with ``paged=False``, a count) request."""
    parsed = ListQuery()
    if paged:
        parsed.start = _integer(query, "_start", 0)
        parsed.limit = max(0, min(_integer(query, "_limit", MAX_LIMIT), MAX_LIMIT))
    if "_sort" in query:
        parsed.sort = _parse_sort(query["_sort"])
    if query.get("_q"):
        parsed.predicates.append(_full_text(query["_q"]))
    for key in dict.fromkeys(query):
        if not key.startswith("_"):
            _add_filter(parsed, key, query.getall(key))
    return parsed


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if value < 0 and name == "_start":
        raise invalid("_start must not be negative")
    return MAX_LIMIT if value < 0 else value


def _parse_sort(text: str) -> list[tuple[str, bool]]:
    keys = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, _, direction = part.partition(":")
        direction = direction.lower() or "asc"
        if direction not in ("asc", "desc"):
            raise invalid(f"_sort direction must be asc or desc, got {direction!r}")
        keys.append((field, direction == "desc"))
    return keys


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (3, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def _sorted(rows: Sequence[Row], keys: list[tuple[str, bool]]) -> list[Row]:
    result = list(rows)
    for path, descending in reversed(keys):
        result.sort(key=_key_of(path), reverse=descending)
    return result


def _key_of(path: str) -> Callable[[Row], tuple[int, Any]]:
    return lambda row: _sort_key(lookup(row, path))


def _full_text(words: str) -> Predicate:
    needles = [w.lower() for w in words.split()]

    def predicate(row: Row) -> bool:
        text = orjson.dumps(row).decode().lower()
        return all(n in text for n in needles)

    return predicate


def _add_filter(parsed: ListQuery, key: str, values: list[str]) -> None:
    for op in _OPS:
        if key.endswith(op) and len(key) > len(op):
            path = key[: -len(op)]
            parsed.predicates.append(_OPERATORS[op](path, values))
            return
    if parsed.eq is None and len(values) == 1:
        parsed.eq, parsed.eq_check = (key, values[0]), _in(key, values)
    else:
        parsed.predicates.append(_in(key, values))


def equals(value: Any, text: str) -> bool:
    """Whether a stored value equals the query string ``text``."""
    if isinstance(value, list):
        return any(equals(v, text) for v in value)
    if isinstance(value, bool):
        return text.lower() == ("true" if value else "false")
    if isinstance(value, int | float):
        try:
            return float(text) == value
        except ValueError:
            return False
    if isinstance(value, str):
        return value == text
    if isinstance(value, dict):
        return text in {str(value.get(k)) for k in ("id", "slug", "reference") if k in value}
    return False


def _compare(value: Any, text: str) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            other = float(text)
        except ValueError:
            return None
        return (value > other) - (value < other)
    if isinstance(value, str):
        return (value > text) - (value < text)
    return None


def _in(path: str, values: list[str]) -> Predicate:
    return lambda row: any(equals(lookup(row, path), v) for v in values)


def _nin(path: str, values: list[str]) -> Predicate:
    return lambda row: not any(equals(lookup(row, path), v) for v in values)


def _contains(path: str, values: list[str]) -> Predicate:
    needle = values[0].lower()

    def predicate(row: Row) -> bool:
        value = lookup(row, path)
        items = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and needle in v.lower() for v in items)

    return predicate


def _null(path: str, values: list[str]) -> Predicate:
    want = values[0].lower() in ("true", "1")
    return lambda row: (lookup(row, path) is None) == want


def _ordered(accept: Callable[[int], bool]) -> Callable[[str, list[str]], Predicate]:
    def build(path: str, values: list[str]) -> Predicate:
        text = values[0]

        def predicate(row: Row) -> bool:
            result = _compare(lookup(row, path), text)
            return result is not None and accept(result)

        return predicate

    return build


_OPERATORS: dict[str, Callable[[str, list[str]], Predicate]] = {
    "_in": _in,
    "_nin": _nin,
    "_ne": _nin,
    "_contains": _contains,
    "_null": _null,
    "_lt": _ordered(lambda c: c < 0),
    "_lte": _ordered(lambda c: c <= 0),
    "_gt": _ordered(lambda c: c > 0),
    "_gte": _ordered(lambda c: c >= 0),
}
