"""The CLI's file layer without a server: format and delimiter detection, rows with their line
numbers, the header's columns mapped to refIds, and writing items back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from enspace_async import TypeSchema
from enspace_async.cli._columns import Columns
from enspace_async.cli._files import FileFormatError, Source, detect_format, open_source, records
from enspace_async.cli._running import UserError
from enspace_async.cli._writer import RowWriter
from enspace_async.models import Field, Item


def test_detect_format() -> None:
    assert detect_format(Path("a.CSV")) == "csv"
    assert detect_format(Path("a.ndjson")) == "jsonl"
    assert detect_format(Path("a.txt"), "csv") == "csv"
    with pytest.raises(FileFormatError, match="cannot tell"):
        detect_format(Path("a.txt"))
    with pytest.raises(FileFormatError, match="csv or jsonl"):
        detect_format(Path("a.csv"), "xml")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("code,amount\n", ","),
        ("code;amount\n", ";"),
        ("code\tamount\n", "\t"),
        ('"a;b",c\n', ","),  # a delimiter inside quotes does not count
        ("code\n", ","),  # one column: the default
    ],
)
def test_the_delimiter_is_found_from_the_header(tmp_path: Path, header: str, expected: str) -> None:
    source = tmp_path / "a.csv"
    source.write_text(header)
    assert open_source(source).delimiter == expected


def test_options_are_checked(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("code\n")
    assert open_source(source, delimiter="tab").delimiter == "\t"
    with pytest.raises(UserError, match="--encoding: unknown encoding 'latin-9000'"):
        open_source(source, encoding="latin-9000")
    with pytest.raises(UserError, match="no such file"):
        open_source(tmp_path / "missing.csv")


def test_csv_rows_carry_the_line_they_start_on(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text('code,note\nA,x\n\nB,"two\nlines"\nC,\n')
    assert list(records(open_source(source))) == [
        (2, {"code": "A", "note": "x"}),
        (4, {"code": "B", "note": "two\nlines"}),
        (6, {"code": "C", "note": ""}),
    ]


def test_an_undecodable_byte_names_its_line(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes("code\nok\nAção\n".encode("cp1252"))
    with pytest.raises(FileFormatError, match=r"a.csv line 3 is not UTF-8 text \(byte 0xe7\)"):
        list(records(open_source(source)))
    rows = records(open_source(source, encoding="cp1252"))
    assert [row["code"] for _, row in rows] == ["ok", "Ação"]


def test_jsonl_rows(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text('{"code": "A"}\n\n{"id": 1, "reference": "R", "data": {"code": "B"}}\n[1]\n')
    rows = records(Source(source, "jsonl"))
    assert next(rows) == (1, {"code": "A"})
    assert next(rows) == (3, {"code": "B"})  # an exported item gives its data
    with pytest.raises(FileFormatError, match="line 4 is not a JSON object"):
        next(rows)


SCHEMA = TypeSchema.of(
    "c",
    [
        Field(id=1, refId="valor_total", name="valor_total", label="Valor total"),
        Field(id=2, refId="tipo", name="kind", label="Tipo"),
        Field(id=3, refId="nome", name="nome", label="Tipo de contrato"),
        Field(id=4, refId="outro", name="outro", label="Tipo de contrato"),
    ],
)


def test_columns_map_ref_ids_names_and_labels() -> None:
    mapping = Columns(SCHEMA).resolve(["Valor  Total", "KIND", "nome", "reference", "", "id"])
    assert mapping == {
        "Valor  Total": "valor_total",  # a label, case and spacing aside
        "KIND": "tipo",  # a name
        "nome": "nome",  # a refId
        "reference": None,  # the item columns of an export, and unnamed ones, are left out
        "": None,
        "id": None,
    }
    with pytest.raises(UserError, match="columns 'KIND' and 'tipo' both fill the field 'tipo'"):
        Columns(SCHEMA).resolve(["KIND", "tipo"])


def test_columns_refuse_the_unknown_and_the_ambiguous() -> None:
    with pytest.raises(UserError, match="could be any of the fields nome, outro"):
        Columns(SCHEMA).resolve(["tipo de contrato"])
    with pytest.raises(UserError) as refused:
        Columns(SCHEMA).resolve(["valor_totl", "xyz"])
    assert str(refused.value).startswith(
        "unknown columns 'valor_totl', 'xyz' for type 'c' (did you mean 'valor_totl' → "
        "'valor_total'?): columns must be the refIds valor_total, tipo, nome, outro"
    )
    lenient = Columns(SCHEMA, ignore_unknown=True)
    assert lenient.resolve(["xyz", "tipo"]) == {"xyz": None, "tipo": "tipo"}
    assert lenient.resolve(["xyz"]) == {"xyz": None}
    assert lenient.ignored == ["xyz"]  # reported once


def test_writer_csv_and_jsonl() -> None:
    item = Item(
        id=1,
        reference="R1",
        status="active",
        data={"code": "A", "ok": True, "tags": ["x"], "n": None},
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
