"""Items written as JSON Lines or CSV, in the shapes ``enspace import`` reads back as they are:
a CSV has the item columns (``reference``, ``id``, ``status``, timestamps), then one column per
field refId; lists and objects are JSON in their cells."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from .._converter import unstructure
from ..models import Item
from ._columns import ITEM_COLUMNS

__all__ = ["RowWriter", "item_record", "text_output"]


def item_record(item: Item) -> dict[str, Any]:
    """Return an item as a plain JSON-able dict (the wire shape)."""
    record: dict[str, Any] = unstructure(item)
    return record


class RowWriter:
    """Write items to JSON Lines or CSV (CSV: the item columns, then one column per field)."""

    def __init__(self, out: IO[str], fmt: str, field_refs: Iterable[str]):
        self._out, self._fmt = out, fmt
        self._refs = list(field_refs)
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(out)
            self._csv.writerow([*ITEM_COLUMNS, *self._refs])

    def write(self, item: Item) -> None:
        """Write one item."""
        record = item_record(item)
        if self._csv is None:
            self._out.write(orjson.dumps(record).decode() + "\n")
            return
        data = record.get("data") or {}
        cells = [_cell(record.get(name)) for name in ITEM_COLUMNS]
        cells += [_cell(data.get(ref)) for ref in self._refs]
        self._csv.writerow(cells)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return orjson.dumps(value).decode()


def text_output(path: str | None) -> IO[str]:
    """Open ``path`` for writing text; ``-`` or ``None`` is standard output (not to close)."""
    if path is None or path == "-":
        return sys.stdout
    return Path(path).open("w", encoding="utf-8", newline="")
