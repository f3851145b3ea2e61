"""Lists: query encoding (§3 of the API notes) and the page rules; pure, no I/O.

The API returns bare arrays, pages with ``_start`` (an offset) and ``_limit``, and silently caps
a page at 100 rows. A page shorter than asked for is therefore the last one — which only holds
if we never ask for more than 100, so a larger ``page_size`` is refused up front. That rule is
:func:`is_last_page`, and every reader of pages (:class:`~enspace_async.AsyncPaginator`, ``export``, ``iter_keyset``,
``changes_since``) asks it; it refuses a page longer than asked, which a server ignoring
``_limit`` would send forever.

A query is built from what the caller means, never from what a value happens to hold: the
paging and sorting names are arguments, not filters; an empty ``_in`` list matches no row
(nothing is sent) instead of being dropped, which would match every row; and text that cannot
be sent as it is (a lone surrogate) is refused rather than altered.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .._converter import format_datetime
from .._errors import ConfigurationError, DecodeError

__all__ = [
    "MAX_PAGE_SIZE",
    "Query",
    "check_page_size",
    "encode_params",
    "is_last_page",
    "list_query",
    "page_rows",
]

MAX_PAGE_SIZE = 100
Query = list[tuple[str, str]]
# The query names the SDK sets itself, and the argument that sets each.
RESERVED = {"_start": "start=", "_limit": "page_size=", "_sort": "sort=", "_q": "q="}
_MANY = (list, tuple, set, frozenset)


def is_last_page(limit: int, received: int) -> bool:
    """Return whether a page of ``received`` rows, asked with ``_limit=limit``, is the last.

    Raises:
        DecodeError: the page holds more rows than asked: the server ignores ``_limit``, and
            paging on would never end.
    """
    if received > limit:
        raise DecodeError(
            f"the server sent {received} rows for _limit={limit}; a server that ignores _limit "
            "cannot be paged"
        )
    return received < limit


def page_rows(body: Any) -> list[Any]:
    """Return the rows of a list answer, which must be a JSON array.

    Raises:
        DecodeError: the answer is anything else (an object, a string, ``null``, an empty body).
    """
    if isinstance(body, list):
        return body
    kind = "an empty body" if body is None else f"a JSON {_json_kind(body)}"
    raise DecodeError(f"a list answer must be a JSON array, got {kind}")


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    return "boolean" if isinstance(value, bool) else "number"


def check_text(what: str, text: str) -> str:
    """Return ``text`` if it can be sent as it is (UTF-8 has no lone surrogates), else raise."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigurationError(
            f"{what} holds a lone surrogate, which cannot be sent: {text!r}"
        ) from None
    return text


def encode_value(key: str, value: Any) -> str:
    """Encode one query value: datetimes as UTC ``…Z``, bools as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return encode_value(key, value.value)
    if isinstance(value, str):
        return check_text(f"the value of {key!r}", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigurationError(f"{key!r} is {value}: only finite numbers can be sent")
    if isinstance(value, int | float):
        return str(value)
    raise ConfigurationError(f"cannot send {type(value).__name__} as the value of {key!r}")


def encode_params(params: Mapping[str, Any] | None, what: str = "params") -> Query:
    """Encode query parameters; a list, tuple or set repeats the parameter once per value.

    An empty list would send nothing and so drop the condition: it is refused, except for a
    ``_nin`` filter, which an empty list leaves matching every row anyway.

    Raises:
        ConfigurationError: a key that is not a non-empty string, a value that cannot be sent.
    """
    if params is None:
        return []
    if not isinstance(params, Mapping):
        raise ConfigurationError(f"{what} must be a mapping, got {type(params).__name__}")
    query: Query = []
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise ConfigurationError(f"{what} keys must be non-empty strings, got {key!r}")
        check_text(f"the {what} key", key)
        if value is None:
            raise ConfigurationError(f"{key!r} is None; use '{key}_null': True to match nulls")
        if not isinstance(value, _MANY):
            query.append((key, encode_value(key, value)))
        elif value or key.endswith("_nin"):
            query.extend((key, encode_value(key, v)) for v in value)
        else:
            raise ConfigurationError(
                f"{key!r} is an empty list, which would send nothing and match every row"
            )
    return query


def list_query(
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | Iterable[str] | None = None,
    q: str | None = None,
    **own: Any,
) -> Query | None:
    """Build the filter, ``_sort`` and ``_q`` part of a list or count query.

    Args:
        filters: the caller's filters; the paging and sorting names are refused here.
        sort: ``"id:asc"`` or several keys.
        q: full-text search.
        own: filters the method sets from its own arguments (``item_type=`` for
            ``type_slug=``); ``None`` when not given.

    Returns:
        The query, or ``None`` when a filter matches no row (an empty ``_in`` list), so that
        nothing need be sent.

    Raises:
        ConfigurationError: a reserved name in ``filters``, a filter given twice, or a key,
            value, ``sort`` or ``q`` that cannot be sent.
    """
    given = _merge(filters, {k: v for k, v in own.items() if v is not None})
    empty_in = {k for k, v in given.items() if _matches_nothing(k, v)}
    query = encode_params({k: v for k, v in given.items() if k not in empty_in}, "filters")
    if sort:
        query.append(("_sort", _sort_text(sort)))
    if q is not None and not isinstance(q, str):
        raise ConfigurationError(f"q must be a string, got {type(q).__name__}")
    if q:
        query.append(("_q", check_text("q", q)))
    return None if empty_in else query


def _matches_nothing(key: object, value: object) -> bool:
    return isinstance(key, str) and key.endswith("_in") and isinstance(value, _MANY) and not value


def _merge(filters: Mapping[str, Any] | None, own: dict[str, Any]) -> dict[str, Any]:
    if filters is None:
        return own
    if not isinstance(filters, Mapping):
        raise ConfigurationError(f"filters must be a mapping, got {type(filters).__name__}")
    for key in filters:
        if key in RESERVED:
            raise ConfigurationError(
                f"filters may not set {key!r}: the SDK sets it; pass {RESERVED[key]} instead"
            )
        if key in own:
            raise ConfigurationError(
                f"filter {key!r} is given twice: in filters and by this method's own argument"
            )
    return {**own, **filters}


def _sort_text(sort: str | Iterable[str]) -> str:
    keys = [sort] if isinstance(sort, str) else sort
    if not isinstance(keys, Iterable) or not all(isinstance(k, str) and k for k in keys):
        raise ConfigurationError(f"sort must be a string or strings like 'id:asc', got {sort!r}")
    return check_text("sort", ",".join(keys))


def check_page_size(page_size: int) -> int:
    """Return ``page_size`` if the server would honour it in full, else raise."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ConfigurationError(f"page_size must be an integer from 1 to 100, got {page_size!r}")
    if page_size > MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"page_size {page_size} is over the server's cap of {MAX_PAGE_SIZE}: the server would "
            "silently return 100 rows and paging would stop early"
        )
    return page_size
