"""Rows checked against the type's schema before a request: a row that cannot fit fails locally.

A bulk job with ``validate=True`` (the default) asks for the type's schema once (the client's
cache, see ``client.types.schema``) and wraps its operation: a row with problems becomes a
failed row whose :class:`RowError` lists them, and spends no request of the rate limit. A row
the journal marks as possibly applied by an earlier run is not checked: it is looked up.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .._schema import TypeSchema
from .checkpoint import Journal
from .engine import Operation, Outcome
from .result import RowError
from .rows import as_data

__all__ = ["validated"]

_MESSAGE_LIMIT = 300


def validated(
    operation: Operation,
    schema: TypeSchema,
    *,
    key: str | None,
    partial: bool = False,
    not_values: Collection[str] = (),
) -> Operation:
    """Return ``operation`` preceded by ``schema.validate`` of each row.

    Args:
        operation: the job's per-row operation.
        schema: the type's schema.
        key: the row key named in the :class:`RowError` (a refId, or the reference field).
        partial: rows are updates: fields they leave out are not missing.
        not_values: row keys that are not field values (the reference of an update).
    """

    async def run(index: int, row: Any, journal: Journal | None) -> Outcome:
        # A row an earlier run may have applied is looked up by the operation, never failed.
        if journal is not None and journal.suspect(index):
            return await operation(index, row, journal)
        try:
            data = as_data(row)
        except TypeError:
            return await operation(index, row, journal)  # the operation names a non-mapping
        values = {k: v for k, v in data.items() if k not in not_values} if not_values else data
        problems = schema.validate(values, partial=partial)
        if not problems:
            return await operation(index, row, journal)
        text = "not sent, it does not fit the type: " + "; ".join(map(str, problems))
        if len(text) > _MESSAGE_LIMIT:
            text = text[: _MESSAGE_LIMIT - 1] + "…"
        return Outcome("failed", error=RowError(index, data.get(key) if key else None, text))

    return run
