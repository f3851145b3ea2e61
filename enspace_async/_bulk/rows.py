"""Rows in: any iterable or async iterable, read lazily, numbered, optionally selected."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

from .._errors import ConfigurationError

__all__ = ["Rows", "Select", "check_shard", "numbered", "shard_select"]

T = TypeVar("T")
Rows = Iterable[T] | AsyncIterable[T]
# Which row indices this job handles; ``None`` for all (see ``shard_select``).
Select = Callable[[int], bool]


def check_shard(value: tuple[int, int] | None) -> tuple[int, int] | None:
    """Return ``value`` as ``(index, count)`` with ``0 <= index < count``, or ``None``."""
    if value is None:
        return None
    try:
        index, count = value
    except (TypeError, ValueError):
        raise ConfigurationError(f"shard must be (index, count), got {value!r}") from None
    numbers = all(isinstance(n, int) and not isinstance(n, bool) for n in (index, count))
    if not numbers or not 0 <= index < count:
        raise ConfigurationError(
            f"shard must be (index, count) with 0 <= index < count, got {value!r}"
        )
    return index, count


def shard_select(index: int, count: int) -> Select:
    """Select the rows whose position modulo ``count`` is ``index``: shard ``index`` of ``count``."""
    return lambda position: position % count == index


async def numbered(rows: Rows[T], select: Select | None = None) -> AsyncIterator[tuple[int, T]]:
    """Yield ``(index, row)`` pairs, reading ``rows`` one at a time; skip unselected indices."""
    index = 0
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            if select is None or select(index):
                yield index, row
            index += 1
        return
    if not isinstance(rows, Iterable) or isinstance(rows, str | bytes):
        raise TypeError(f"rows must be an iterable or async iterable, got {type(rows).__name__}")
    for row in rows:
        if select is None or select(index):
            yield index, row
        index += 1


def as_data(row: Any) -> dict[str, Any]:
    """Return a row as a plain dict, or raise :class:`TypeError`."""
    if not hasattr(row, "keys") or not hasattr(row, "__getitem__"):
        raise TypeError(f"row must be a mapping, got {type(row).__name__}")
    return {str(k): row[k] for k in row.keys()}  # noqa: SIM118 - any Mapping-like
