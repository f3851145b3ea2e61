"""``enspace import`` on real-world CSV files (issue 16, points 5-7), over real HTTP to the
emulator: a pt-BR Excel file (semicolons, cp1252, ``3.750,25``, ``R$ 1.234,56``,
``25/12/2024``, ``sim``/``não``, labels as the header), the header checked before anything
is sent, structural problems as one line each, and messages by the file's line numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from cli_helpers import invoke
from typer.testing import Result

from enspace_async.testing import EnspaceEmulator

PT_FIELDS = [
    {"name": "codigo", "slug": "codigo", "label": "Código", "type": "inputText"},
    {"name": "descricao", "slug": "descricao", "label": "Descrição", "type": "inputText"},
    {"name": "valor", "slug": "valor", "label": "Valor", "type": "EnlNumber"},
    {"name": "preco", "slug": "preco", "label": "Preço", "type": "EnCurrency"},
    {"name": "vencimento", "slug": "vencimento", "label": "Vencimento", "type": "EnlCalendar"},
    {"name": "ativo", "slug": "ativo", "label": "Ativo", "type": "inputSwitch"},
]
# What Excel writes in pt-BR ("CSV (separado por ponto e vírgula)"): ';', CRLF, Windows-1252,
# the fields' labels as the header, and a quoted cell that spans two lines.
PT_CSV = (
    "Código;Descrição;Valor;Preço;Vencimento;Ativo\r\n"
    'C-1;"Manutenção; anual";3.750,25;R$ 1.234,56;25/12/2024;sim\r\n'
    'C-2;"Linha um\r\nlinha dois";10;99,90;01/02/2025;não\r\n'
    "C-3;Ação;1.000;R$ 0,50;31/01/2025;Não\r\n"
)
DEALS = {"code": "inputText", "amount": "EnlNumber", "signed": "inputSwitch"}


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=16) as emulator:
        emulator.seed_type("contratos", fields=PT_FIELDS)
        emulator.seed_type("deals", fields=DEALS)
        yield emulator


def posts(emu: EnspaceEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "POST")


def one_error_line(result: Result, *texts: str) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    for text in texts:
        assert text in lines[0]
    return lines[0]


async def test_a_pt_br_excel_file_imports_with_encoding_and_locale(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "contratos.csv"
    source.write_bytes(PT_CSV.encode("cp1252"))
    args = ["import", str(source), "-t", "contratos", "-k", "codigo"]

    undecodable = await invoke(emu, *args)
    line = one_error_line(undecodable, "contratos.csv line 1 is not UTF-8", "--encoding cp1252")
    assert "Traceback" not in undecodable.output
    assert "byte 0xf3" in line  # the ó of Código in cp1252

    result = await invoke(emu, *args, "--encoding", "cp1252", "--locale", "pt-BR")
    assert result.exit_code == 0, result.output
    assert "created 3 · failed 0" in result.output
    data = {row["data"]["codigo"]: row["data"] for row in emu.items("contratos")}
    assert data["C-1"]["descricao"] == "Manutenção; anual"
    assert data["C-1"]["valor"] == 3750.25
    assert data["C-1"]["preco"]["currency"] == "BRL"
    assert data["C-1"]["preco"]["value"] == 1234.56
    assert data["C-1"]["vencimento"] == "2024-12-25"
    assert data["C-1"]["ativo"] is True
    assert data["C-2"]["descricao"] == "Linha um\r\nlinha dois"
    assert (data["C-2"]["valor"], data["C-2"]["preco"]["value"]) == (10, 99.9)
    assert data["C-2"]["preco"]["currency"] == "BRL"  # no symbol: the locale's currency
    assert (data["C-2"]["vencimento"], data["C-2"]["ativo"]) == ("2025-02-01", False)
    assert (data["C-3"]["valor"], data["C-3"]["ativo"]) == (1000, False)


async def test_the_options_one_by_one_instead_of_the_locale(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "utf8-bom.csv"  # what "CSV UTF-8" in Excel writes: a BOM
    source.write_bytes("\ufeffCódigo;Valor;Vencimento;Ativo\nX-1;1.234,5;2024/12/25;SIM\n".encode())
    result = await invoke(
        emu,
        *("import", str(source), "-t", "contratos", "--decimal-comma"),
        *("--date-format", "%Y/%m/%d"),
    )
    assert result.exit_code == 0, result.output
    (row,) = emu.items("contratos")
    assert row["data"] == {
        "codigo": "X-1",
        "valor": 1234.5,
        "vencimento": "2024-12-25",
        "ativo": True,
    }


async def test_delimiters_are_found_from_the_header_or_given(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    tabs = tmp_path / "deals.csv"
    tabs.write_text("code\tamount\nT1\t5\n")
    assert (await invoke(emu, "import", str(tabs), "-t", "deals")).exit_code == 0
    pipes = tmp_path / "pipes.csv"
    pipes.write_text("code|amount\nP1|6\n")
    given = await invoke(emu, "import", str(pipes), "-t", "deals", "--delimiter", "|")
    assert given.exit_code == 0, given.output
    amounts = {r["data"]["code"]: r["data"]["amount"] for r in emu.items("deals")}
    assert amounts == {"T1": 5, "P1": 6}
    bad = await invoke(emu, "import", str(pipes), "-t", "deals", "--delimiter", "||")
    one_error_line(bad, "--delimiter must be one character")


async def test_a_wrong_header_sends_nothing_and_names_the_valid_ref_ids(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "typo.csv"
    rows = "".join(f"D{n},{n},yes\n" for n in range(2000))
    source.write_text("code,amout,signed\n" + rows)
    refused = await invoke(emu, "import", str(source), "-t", "deals")
    one_error_line(
        refused,
        "unknown column 'amout' for type 'deals'",
        "did you mean 'amout' → 'amount'?",
        "the refIds code, amount, signed",
        "--ignore-unknown-columns",
    )
    assert posts(emu) == 0
    assert not (tmp_path / "typo.csv.deals.checkpoint.jsonl").exists()
    header_only = tmp_path / "header.csv"
    header_only.write_text("code,amout\n")
    one_error_line(await invoke(emu, "import", str(header_only), "-t", "deals"), "'amout'")

    ignored = await invoke(emu, "import", str(source), "-t", "deals", "--ignore-unknown-columns")
    assert ignored.exit_code == 0, ignored.output
    assert "leaving out columns 'amout'" in ignored.output
    stored = emu.items("deals")
    assert len(stored) == 2000
    assert stored[0]["data"] == {"code": "D0", "signed": True}


async def test_columns_named_by_label_any_case_and_export_columns_are_mapped(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "labels.csv"
    source.write_text("reference,id, code ,AMOUNT,Signed\nR1,1,L1,7,no\n")
    result = await invoke(emu, "import", str(source), "-t", "deals")
    assert result.exit_code == 0, result.output
    assert [r["data"] for r in emu.items("deals")] == [{"code": "L1", "amount": 7, "signed": False}]
    twice = tmp_path / "twice.csv"
    twice.write_text("code,Code\nA,B\n")
    one_error_line(
        await invoke(emu, "import", str(twice), "-t", "deals"),
        "columns 'code' and 'Code' both fill the field 'code'",
    )


async def test_a_jsonl_key_that_is_no_field_is_refused_before_sending(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text('{"code": "J1"}\n{"code": "J2", "colour": "red"}\n')
    one_error_line(await invoke(emu, "import", str(source), "-t", "deals"), "'colour'")
    assert posts(emu) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "code,amount\nA,1\nB,2,3\n",
            "bad.csv line 3 has 3 cells but the header has 2 (delimiter ',';",
        ),
        ("code,amount\nA,1\nB\n", "bad.csv line 3 has 1 cells but the header has 2"),
        ("code,amount\nA,1\nB\x00,2\n", "bad.csv line 3 holds a NUL byte"),
        (
            'code,amount\nA,1\n"B\nC,2\n' + "x" * 10_000_000 + "\n",
            "bad.csv line 3: a cell is longer than 131,072 characters (an unclosed quote?)",
        ),
        ("", "bad.csv has no header row"),
        ("code,,amount\nA,x,1\n", "bad.csv line 2 has a value in column 2, which has no name"),
        ("code,amount,code\n", "column 'code' appears twice"),
    ],
    ids=["more cells", "fewer cells", "NUL", "10 MB cell", "empty", "unnamed", "twice"],
)
async def test_a_file_that_cannot_be_read_is_one_line_and_sends_nothing(
    emu: EnspaceEmulator, tmp_path: Path, body: str, message: str
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(body)
    result = await invoke(emu, "import", str(source), "-t", "deals")
    one_error_line(result, message)
    assert posts(emu) == 0


async def test_rows_are_named_by_the_line_they_start_on(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "lines.csv"
    # Line 1 header, line 2 a row, lines 3-4 one row (a quoted cell with a line break), line 5
    # blank, line 6 the bad row.
    source.write_text('code,amount\nA,1\n"B\nb",2\n\nC,lots\nD,4\n')
    result = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code")
    assert result.exit_code == 1
    assert "line 6 (key 'C'): " in result.output
    assert sorted(r["data"]["code"] for r in emu.items("deals")) == ["A", "B\nb", "D"]
