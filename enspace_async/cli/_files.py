"""Reading the rows of a CSV or JSON Lines file, lazily, with each row's line number.

CSV files are read as spreadsheets write them: UTF-8 with or without a BOM by default (any
other encoding by ``--encoding``), the delimiter found from the header line (``,``, ``;`` as
a pt-BR Excel writes, or a tab) unless ``--delimiter`` names it, and quoted cells that span
lines. What cannot be read is one :class:`FileFormatError` naming the line and the option to
fix it: a byte the encoding cannot decode, a NUL byte, a cell over the csv module's limit
(usually an unclosed quote), a row with more or fewer cells than the header.

A JSONL line shaped like an exported item (``{"id", "data", ...}``) gives its ``data``.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import attrs
import orjson

from ._columns import ITEM_COLUMNS
from ._running import UserError

__all__ = [
    "FORMATS",
    "FileFormatError",
    "Source",
    "detect_format",
    "header",
    "open_source",
    "records",
]

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
T = TypeVar("T")
DEFAULT_ENCODING = "utf-8-sig"  # UTF-8, with or without a BOM
_ITEM_KEYS = frozenset({*ITEM_COLUMNS, "data"})


class FileFormatError(UserError):
    """The input file cannot be read as the format it claims."""


@attrs.frozen
class Source:
    """A file of rows and how to read it (see :func:`open_source`).

    Attributes:
        path: the file.
        fmt: ``csv`` or ``jsonl``.
        encoding: the text encoding of a CSV.
        delimiter: the CSV delimiter (given, or found from the header line).
    """

    path: Path
    fmt: str
    encoding: str = DEFAULT_ENCODING
    delimiter: str = ","


def detect_format(path: Path, given: str | None = None) -> str:
    """Return ``csv`` or ``jsonl`` from ``given`` or the file's suffix."""
    if given is not None:
        if given not in FORMATS:
            raise FileFormatError(f"--format must be csv or jsonl, got {given!r}")
        return given
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise FileFormatError(f"cannot tell the format of {path.name}: use .csv or .jsonl")
    return found


def open_source(
    path: Path,
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Source:
    """Check the file and the options that say how to read it; find a CSV's delimiter."""
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    found = detect_format(path, fmt)
    text = encoding or DEFAULT_ENCODING
    try:
        codecs.lookup(text)
    except LookupError:
        raise UserError(f"--encoding: unknown encoding {text!r} (try utf-8 or cp1252)") from None
    source = Source(path, found, text)
    if found == "csv":
        source = attrs.evolve(source, delimiter=_delimiter(source, delimiter))
    return source


def _delimiter(source: Source, given: str | None) -> str:
    if given is not None:
        named = _DELIMITER_NAMES.get(given.lower(), given)
        if len(named) != 1 or named in '"\r\n':
            raise UserError(f"--delimiter must be one character (or 'tab'), got {given!r}")
        return named
    with _open_text(source) as text:
        header = _decoded(source, lambda: text.readline())
    # The candidate that splits the header into the most columns; a comma on a tie.
    return max(_DELIMITERS, key=lambda d: len(next(csv.reader([header], delimiter=d), [])))


def _open_text(source: Source) -> IO[str]:
    return source.path.open(newline="", encoding=source.encoding)


def _decoded(source: Source, read: Callable[[], T]) -> T:
    """Call ``read()``; a byte the encoding cannot decode is a FileFormatError naming its line."""
    try:
        return read()
    except UnicodeDecodeError:
        raise FileFormatError(_undecodable(source)) from None


def _undecodable(source: Source) -> str:
    decoder = codecs.getincrementaldecoder(source.encoding)()
    with source.path.open("rb") as raw:
        for number, line in enumerate(raw, 1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                byte = line[exc.start] if exc.start < len(line) else 0
                name = "UTF-8" if source.encoding == DEFAULT_ENCODING else source.encoding
                return (
                    f"{source.path.name} line {number} is not {name} text (byte 0x{byte:02x}): "
                    "pass --encoding, e.g. --encoding cp1252 for a file Excel saved on Windows"
                )
    return f"{source.path.name} is not {source.encoding} text: pass --encoding"  # pragma: no cover


def records(source: Source) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, row)`` for each row: ``{column: cell text}`` for a CSV (the
    header's columns), the JSON object for JSON Lines."""
    if source.fmt == "csv":
        yield from _csv_records(source)
    else:
        yield from _jsonl_records(source.path)


def header(source: Source) -> list[str] | None:
    """The columns of a CSV's header row; ``None`` for JSON Lines."""
    if source.fmt != "csv":
        return None
    with _open_text(source) as text:
        return _header(source, csv.reader(text, delimiter=source.delimiter))


def _header(source: Source, reader: Any) -> list[str]:
    columns: list[str] = _decoded(source, lambda: next(reader, []))
    if not any(c.strip() for c in columns):
        raise FileFormatError(f"{source.path.name} has no header row")
    twice = sorted({c for c in columns if c.strip() and columns.count(c) > 1})
    if twice:
        raise FileFormatError(f"{source.path.name}: column {twice[0]!r} appears twice")
    return columns


def _csv_records(source: Source) -> Iterator[tuple[int, dict[str, Any]]]:
    name = source.path.name
    with _open_text(source) as text:
        reader = csv.reader(text, delimiter=source.delimiter)
        columns = _header(source, reader)
        while True:
            line = reader.line_num + 1  # where the next row starts (a quoted cell may span lines)
            try:
                cells = _decoded(source, lambda: next(reader, None))
            except csv.Error as exc:
                raise FileFormatError(_csv_problem(name, line, exc)) from None
            if cells is None:
                return
            if cells:  # a blank line is no row
                yield line, _row(source, line, columns, cells)


def _csv_problem(name: str, line: int, exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return (
            f"{name} line {line}: a cell is longer than {limit:,} characters (an unclosed quote?)"
        )
    return f"{name} line {line}: {exc}"  # pragma: no cover - the reader is not strict


def _row(source: Source, line: int, columns: list[str], cells: list[str]) -> dict[str, str]:
    name = source.path.name
    if len(cells) != len(columns):
        shown = "tab" if source.delimiter == "\t" else repr(source.delimiter)
        raise FileFormatError(
            f"{name} line {line} has {len(cells)} cells but the header has {len(columns)} "
            f"(delimiter {shown}; a quote left open, or pass --delimiter)"
        )
    row = {}
    for number, (column, cell) in enumerate(zip(columns, cells, strict=True), 1):
        if "\x00" in cell:
            raise FileFormatError(
                f"{name} line {line} holds a NUL byte: is it really CSV text? (a spreadsheet "
                "must be saved as CSV; UTF-16 text needs --encoding utf-16)"
            )
        if column.strip():
            row[column] = cell
        elif cell.strip():
            raise FileFormatError(
                f"{name} line {line} has a value in column {number}, which has no name in "
                "the header"
            )
    return row


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
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
                yield number, data
            else:
                yield number, row
