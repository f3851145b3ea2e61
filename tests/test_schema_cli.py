"""``enspace import`` checks every row against the type before its first write (issue 19's
command-line side), over real HTTP to the emulator: a 20,000-row CSV with 50 bad rows prints
the 50 by line before the first create and sends the other 19,950; ``--check`` reads the same
file and sends no write; the column mapping and the bulk job share the client's one schema."""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest_asyncio
from cli_helpers import env_of, invoke

from enspace_async import TypeSchema
from enspace_async.cli._columns import Columns
from enspace_async.models import Field
from enspace_async.testing import EnspaceEmulator

OPTIONS = [{"value": "low"}, {"value": "high"}]
FIELDS: list[dict[str, Any]] = [
    {"name": "code", "type": "inputText", "required": True},
    {"name": "notes", "type": "EnTextArea"},
    {"name": "amount", "label": "Valor", "type": "EnlNumber"},
    {"name": "priority", "type": "EnlDropdown", "options": OPTIONS},
    {"name": "due", "type": "EnlCalendar"},
]
ROWS = 20_000
BAD = {397 * k + 11: k % 3 for k in range(50)}  # row index -> which column is wrong
# What each kind of bad row holds, and the problem the check prints for it.
WRONG = [
    ("amount", "many", 'amount: must be a number, got "many"'),
    (
        "priority",
        "hihg",
        "priority: must be one of ['low', 'high'], got \"hihg\" (did you mean 'high'?)",
    ),
    ("due", "soon", 'due: must be an ISO date or date-time string, got "soon"'),
]
CLI = [sys.executable, "-m", "enspace_async.cli"]


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=19) as emulator:
        emulator.seed_type("deals", fields=FIELDS)
        yield emulator


def line_of(index: int) -> int:
    """The line row ``index`` starts on: the header is line 1, row 0 spans lines 2 and 3."""
    return 2 if index == 0 else index + 3


def expected_problems() -> list[str]:
    return [f"line {line_of(i)}: {WRONG[kind][2]}" for i, kind in sorted(BAD.items())]


def write_file(path: Path, count: int = ROWS, bad: dict[int, int] | None = None) -> Path:
    bad = BAD if bad is None else bad
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["code", "notes", "Valor", "priority", "due"])
        for n in range(count):
            row = {"amount": str(n), "priority": ("low", "high")[n % 2], "due": "2025-01-15"}
            if n in bad:
                column, value, _ = WRONG[bad[n]]
                row[column] = value
            notes = "two\nlines" if n == 0 else ""  # a quoted cell over two lines
            out.writerow([f"C{n:05d}", notes, row["amount"], row["priority"], row["due"]])
    return path


def problem_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("line ")]


def writes(emu: EnspaceEmulator) -> int:
    return sum(r.method in ("POST", "PUT", "PATCH", "DELETE") for r in emu.requests)


def sent(emu: EnspaceEmulator, route: str) -> int:
    return sum(r.route == route for r in emu.requests)


async def test_an_import_prints_every_bad_row_by_line_before_its_first_create(
    tmp_path: Path,
) -> None:
    """The CLI runs in its own process; the emulator holds every create until the CLI's
    standard error has shown the 50 problems: printed after a create, they would never come."""
    source = write_file(tmp_path / "deals.csv")
    printed: list[str] = []
    problems_shown = asyncio.Event()

    async def read(stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            printed.append(line.decode().rstrip("\n"))
            if len(problem_lines("\n".join(printed))) == len(BAD):
                problems_shown.set()

    async def hold_creates(seconds: float) -> None:
        try:
            async with asyncio.timeout(15):
                await problems_shown.wait()
        except TimeoutError:  # the problems did not come before the creates: fail fast
            process.kill()
            raise

    async with EnspaceEmulator(seed=19, sleep=hold_creates) as emu:
        emu.seed_type("deals", fields=FIELDS)
        emu.faults.add("latency", seconds=1.0, routes="items.create")  # every create waits
        process = await asyncio.create_subprocess_exec(
            *CLI,
            "import",
            str(source),
            "--type",
            "deals",
            env={**os.environ, **env_of(emu), "PYTHONIOENCODING": "utf-8"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        async with asyncio.timeout(55):
            await read(process.stderr)
            await process.wait()
        output = "\n".join(printed)
        assert process.returncode == 1, output  # 50 rows failed
        assert printed[0] == "50 of 20,000 rows do not fit type 'deals' and will not be sent:"
        assert printed[1 : 1 + len(BAD)] == expected_problems()
        assert emu.applied["items.create"] == ROWS - len(BAD)
        assert sent(emu, "items.create") == ROWS - len(BAD)
        assert "created 19950 · failed 50 · unknown 0" in output
        codes = sorted(r["data"]["code"] for r in emu.items("deals"))
        assert codes == [f"C{n:05d}" for n in range(ROWS) if n not in BAD]


async def test_check_reads_the_same_file_and_sends_no_write(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = write_file(tmp_path / "deals.csv")
    journal = tmp_path / "deals.csv.deals.checkpoint.jsonl"
    result = await invoke(emu, "import", str(source), "-t", "deals", "--check")
    assert result.exit_code == 1, result.output
    assert problem_lines(result.output) == expected_problems()
    assert result.output.splitlines()[-1] == (
        "checked 20,000 rows of deals.csv against type 'deals': 50 do not fit (50 problems); "
        "nothing was sent"
    )
    assert writes(emu) == 0
    assert sum(emu.applied.values()) == 0
    assert not journal.exists()
    assert (sent(emu, "types.get"), sent(emu, "fields.list")) == (1, 1)


async def test_check_of_a_clean_file_exits_0_and_ignores_a_journal(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = write_file(tmp_path / "clean.csv", 300, bad={})
    journal = tmp_path / "clean.csv.deals.checkpoint.jsonl"
    journal.write_text("a journal an earlier import left\n")  # --check neither refuses nor reads it
    result = await invoke(emu, "import", str(source), "-t", "deals", "--check")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "checked 300 rows of clean.csv against type 'deals': every row fits; nothing was sent"
    )
    assert writes(emu) == 0
    assert journal.read_text() == "a journal an earlier import left\n"


async def test_check_json_lists_every_problem_and_respects_the_shard(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = write_file(tmp_path / "deals.csv", 40, bad={3: 0, 4: 1, 10: 2})
    whole = await invoke(emu, "import", str(source), "-t", "deals", "--check", "--json")
    assert whole.exit_code == 1, whole.output
    body = orjson.loads(whole.stdout)
    assert (body["ok"], body["rows"], body["bad_rows"]) == (False, 40, 3)
    assert body["problems"][0] == {
        "line": 6,
        "ref_id": "amount",
        "message": 'must be a number, got "many"',
    }
    assert [p["line"] for p in body["problems"]] == [6, 7, 13]
    # Shard 0 of 2 holds the even rows: 4 and 10, not 3.
    half = await invoke(
        emu, "import", str(source), "-t", "deals", "--check", "--json", "--shard", "0/2"
    )
    assert [p["line"] for p in orjson.loads(half.stdout)["problems"]] == [7, 13]
    assert orjson.loads(half.stdout)["rows"] == 20
    assert writes(emu) == 0


async def test_an_import_prints_the_first_100_problems_then_how_many_more(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = write_file(tmp_path / "deals.csv", 130, bad=dict.fromkeys(range(1, 121), 0))
    result = await invoke(emu, "import", str(source), "-t", "deals")
    assert result.exit_code == 1
    assert len(problem_lines(result.output)) == 100
    assert "… and 20 more (enspace import --check lists every one)" in result.output
    assert emu.applied["items.create"] == 10


async def test_a_keyed_import_asks_for_the_schema_once(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    """The column mapping and the bulk job's validation share ``client.types.schema``'s cache:
    one request for the type and one for its fields (the CLI used to ask twice)."""
    source = write_file(tmp_path / "deals.csv", 20, bad={})
    result = await invoke(emu, "import", str(source), "-t", "deals", "--key", "code")
    assert result.exit_code == 0, result.output
    assert emu.applied["items.create"] == 20
    assert (sent(emu, "types.get"), sent(emu, "fields.list")) == (1, 1)


def test_columns_map_names_and_labels_from_a_saved_schema() -> None:
    """The column mapping needs only the schema, so a schema saved with ``dump()`` maps a
    header by the fields' names and labels offline too."""
    fields = [
        Field(id=1, refId="valor_total", name="valor_total", label="Valor total"),
        Field(id=2, refId="tipo", name="kind", label="Tipo"),
    ]
    schema = TypeSchema.load(TypeSchema.of("c", fields).dump())
    assert [(f.name, f.label) for f in schema.fields] == [
        ("valor_total", "Valor total"),
        ("kind", "Tipo"),
    ]
    mapping = Columns(schema).resolve(["Valor Total", "KIND"])
    assert mapping == {"Valor Total": "valor_total", "KIND": "tipo"}
