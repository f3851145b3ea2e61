"""The CLI's file layer: cell conversion by field kind, format detection, reading and writing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from enspace_async.cli._files import (
    FileFormatError,
    RowWriter,
    convert,
    count_rows,
    detect_format,
    read_rows,
)
from enspace_async.models import Item


@pytest.mark.parametrize(
    ("cell", "kind", "expected"),
    [
        ("42", "EnlNumber", 42),
        ("4.5", "EnlNumber", 4.5),
        ("lots", "EnlNumber", "lots"),
        ("yes", "inputSwitch", True),
        ("0", "inputSwitch", False),
        ("maybe", "inputSwitch", "maybe"),
        ("a| b |", "EnlChips", ["a", "b"]),
        ('{"value": 1}', "EnCurrency", {"value": 1}),
        ("[1, 2]", None, [1, 2]),
        ("{broken", None, "{broken"),
        ("007", None, "007"),
    ],
)
def test_convert_by_field_kind(cell: str, kind: str | None, expected: object) -> None:
    assert convert(cell, kind) == expected


def test_detect_format() -> None:
    assert detect_format(Path("a.CSV")) == "csv"
    assert detect_format(Path("a.ndjson")) == "jsonl"
    assert detect_format(Path("a.txt"), "csv") == "csv"
    with pytest.raises(FileFormatError, match="cannot tell"):
        detect_format(Path("a.txt"))
    with pytest.raises(FileFormatError, match="csv or jsonl"):
        detect_format(Path("a.csv"), "xml")


def test_csv_reading_skips_empty_cells_and_refuses_broken_files(tmp_path: Path) -> None:
    good = tmp_path / "a.csv"
    good.write_text("code,amount,reference\nA,1,REF\nB,,\n\n")
    assert count_rows(good, "csv") == 2
    assert list(read_rows(good, "csv", {"amount": "EnlNumber"})) == [
        {"code": "A", "amount": 1},
        {"code": "B"},
    ]
    extra = tmp_path / "extra.csv"
    extra.write_text("code\nA,B\n")
    with pytest.raises(FileFormatError, match="extra cells"):
        list(read_rows(extra, "csv", {}))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(FileFormatError, match="no header"):
        list(read_rows(empty, "csv", {}))


def test_jsonl_reading(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text('{"code": "A"}\n\n{"id": 1, "reference": "R", "data": {"code": "B"}}\n[1]\n')
    rows = read_rows(source, "jsonl", {})
    assert next(rows) == {"code": "A"}
    assert next(rows) == {"code": "B"}  # an exported item gives its data
    with pytest.raises(FileFormatError, match="line 4 is not a JSON object"):
        next(rows)


def test_writer_csv_and_jsonl() -> None:
    item = Item(
        id=1, reference="R1", status="active", data={"code": "A", "ok": True, "tags": ["x"], "n": None}
    )
    out = io.StringIO()
    writer = RowWriter(out, "csv", ["code", "ok", "tags", "n"])
    writer.write(item)
    lines = out.getvalue().splitlines()
    assert lines[0] == "reference,id,status,created_at,updated_at,code,ok,tags,n"
    assert lines[1] == 'R1,1,active,,,A,true,"[""x""]",'
    out = io.StringIO()
    RowWriter(out, "jsonl", []).write(item)
    assert out.getvalue().startswith('{"id":1,"reference":"R1"')
