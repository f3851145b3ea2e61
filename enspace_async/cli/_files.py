"""Rows from CSV and JSON Lines files, read lazily, and items written back to either format.

Files written by ``enspace export`` import again as they are: the item columns of a CSV
(``reference``, ``id``, ``status``, timestamps) are left out unless the type has such fields,
and a JSONL line shaped like an item gives its ``data``. CSV cells are text, so they are converted by the type's field kinds: numbers for
``EnlNumber``, booleans for ``inputSwitch``, JSON for cells that start with ``[`` or ``{``, and
``a|b|c`` lists for the list kinds. An empty cell leaves the value out. A cell that does not
convert stays text, and the server's answer for that row says what is wrong.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from .._converter import unstructure
from ..models import Item

__all__ = ["FORMATS", "count_rows", "detect_format", "item_record", "read_rows", "RowWriter"]

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_NUMBER = frozenset({"EnlNumber"})
_BOOL = frozenset({"inputSwitch", "EnlCheckbox"})
_LISTS = frozenset({"multiSelect", "checkbox", "EnlChips"})
_TRUE, _FALSE = frozenset({"true", "1", "yes", "y"}), frozenset({"false", "0", "no", "n"})
_ITEM_COLUMNS = ("reference", "id", "status", "created_at", "updated_at")
_ITEM_KEYS = frozenset({*_ITEM_COLUMNS, "data"})


class FileFormatError(ValueError):
    """The input file cannot be read as the format it claims."""


def detect_format(path: Path, given: str | None = None) -> str:
    """Return ``csv`` or ``jsonl`` from ``given`` or the file's suffix."""
    if given is not None:
        if given not in FORMATS:
            raise FileFormatError(f"format must be csv or jsonl, got {given!r}")
        return given
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise FileFormatError(f"cannot tell the format of {path.name}: use .csv or .jsonl")
    return found


def count_rows(path: Path, fmt: str) -> int:
    """Count the rows of a file by its lines, in constant memory (CSV: minus the header)."""
    lines = 0
    with path.open("rb") as source:
        for line in source:
            lines += bool(line.strip())
    return max(lines - 1, 0) if fmt == "csv" else lines


def read_rows(path: Path, fmt: str, kinds: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``path`` one at a time; ``kinds`` maps refIds to field kinds."""
    if fmt == "csv":
        yield from _csv_rows(path, kinds)
    else:
        yield from _jsonl_rows(path)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file; a line that is an exported item (``{"id", "data", ...}``) gives
    its ``data``."""
    with path.open("rb") as source:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise FileFormatError(f"{path.name} line {number} is not valid JSON") from None
            if not isinstance(row, dict):
                raise FileFormatError(f"{path.name} line {number} is not a JSON object")
            data = row.get("data")
            if isinstance(data, dict) and row.keys() <= _ITEM_KEYS:
                yield data
            else:
                yield row


def _csv_rows(path: Path, kinds: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.DictReader(source)
        if not reader.fieldnames:
            raise FileFormatError(f"{path.name} has no header row")
        # An exported file's item columns (reference, id, ...) are not values to import.
        skip = {c for c in _ITEM_COLUMNS if c not in kinds}
        for row in reader:
            if None in row:
                raise FileFormatError(f"{path.name} line {reader.line_num} has extra cells")
            yield {
                name: convert(cell, kinds.get(name))
                for name, cell in row.items()
                if cell not in ("", None) and name not in skip
            }


def convert(cell: str, kind: str | None) -> Any:
    """Convert one CSV cell by its field kind (see the module docstring)."""
    text = cell.strip()
    if text[:1] in ("[", "{"):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return cell
    if kind in _NUMBER:
        return _number(text, cell)
    if kind in _BOOL and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    if kind in _LISTS:
        return [part.strip() for part in text.split("|") if part.strip()]
    return cell


def _number(text: str, cell: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return cell


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
            self._csv.writerow([*_ITEM_COLUMNS, *self._refs])

    def write(self, item: Item) -> None:
        """Write one item."""
        record = item_record(item)
        if self._csv is None:
            self._out.write(orjson.dumps(record).decode() + "\n")
            return
        data = record.get("data") or {}
        cells = [_cell(record.get(name)) for name in _ITEM_COLUMNS]
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
