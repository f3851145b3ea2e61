"""The ``enspace`` command line against an emulator on loopback: import, resume, export, types,
count, the error cases (one line, exit code 1, no traceback), demo and emulator."""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest_asyncio
from cli_helpers import invoke
from typer.testing import CliRunner, Result

from enspace_async import RetryPolicy
from enspace_async.cli._app import app
from enspace_async.testing import EnspaceEmulator

FIELDS = {
    "code": "inputText",
    "amount": "EnlNumber",
    "signed": "inputSwitch",
    "labels": "EnlChips",
    "price": "EnCurrency",
}


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=5) as emulator:
        emulator.seed_type("deals", fields=FIELDS)
        emulator.seed_type("copies", fields=FIELDS)
        yield emulator


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "amount", "signed", "labels", "price"])
        for n in range(count):
            price = orjson.dumps({"currency": "USD", "value": n, "originalValue": n}).decode()
            writer.writerow([f"C{n:05d}", str(n), "yes" if n % 2 else "no", "a|b", price])
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def one_error_line(result: Result, text: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [lines[0]]
    assert lines[0].startswith("error: ")
    assert text in lines[0]


async def test_import_csv_with_key_converts_cells_and_creates_each_row_once(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    emu.faults.add("reset_after", rate=0.05, routes="items.create")
    source = write_csv(tmp_path / "deals.csv", 300)
    result = await invoke(emu, "import", str(source), "--type", "deals", "--key", "code")
    assert result.exit_code == 0, result.output
    assert "created 300" in result.output
    rows = emu.items("deals")
    assert len(rows) == 300
    assert len({r["data"]["code"] for r in rows}) == 300
    first = next(r["data"] for r in rows if r["data"]["code"] == "C00003")
    assert first["amount"] == 3
    assert first["signed"] is True
    assert first["labels"] == ["a", "b"]
    assert first["price"]["value"] == 3
    leftovers = [name for name in os.listdir(tmp_path) if name.endswith(".checkpoint.jsonl")]
    assert leftovers == []  # a clean run leaves no journal


async def test_resume_finishes_an_import_that_left_a_journal(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    rows: list[dict[str, Any]] = [{"code": f"J{n}", "amount": n} for n in range(50)]
    source = write_jsonl(tmp_path / "deals.jsonl", rows)
    journal = tmp_path / "deals.jsonl.deals.checkpoint.jsonl"
    emu.faults.script("items.create", ["ok"] * 49 + ["429:0"] * 5)  # the last row fails
    async with emu.client(retry=RetryPolicy(backoff_base=0.0, max_backoff=0.0)) as client:
        first = await client.items.bulk_create(
            "deals", rows, key="code", concurrency=1, checkpoint=journal
        )
    assert (first.created, first.failed) == (49, 1)

    again = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code")
    one_error_line(again, "pass --resume")

    resumed = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "created 1" in resumed.output
    assert "skipped 49" in resumed.output
    assert sorted(r["data"]["code"] for r in emu.items("deals")) == sorted(r["code"] for r in rows)
    assert not journal.exists()


async def test_failed_rows_are_listed_and_the_exit_code_is_1(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    rows: list[dict[str, Any]] = [{"code": "A", "amount": 1}, {"code": "B", "amount": "many"}]
    source = write_jsonl(tmp_path / "two.jsonl", rows)
    result = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code")
    assert result.exit_code == 1
    assert "created 1 · failed 1" in result.output
    assert "line 2 (key 'B'): " in result.output  # the file's line, not the row index
    assert (tmp_path / "two.jsonl.deals.checkpoint.jsonl").exists()


async def test_export_jsonl_and_csv_round_trip(emu: EnspaceEmulator, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "deals.csv", 250)
    assert (await invoke(emu, "import", str(source), "-t", "deals")).exit_code == 0
    out_jsonl, out_csv = tmp_path / "out.jsonl", tmp_path / "out.csv"
    exported = await invoke(emu, "export", "-t", "deals", "-f", "jsonl", "-o", str(out_jsonl))
    assert exported.exit_code == 0, exported.output
    assert "exported 250 items" in exported.output
    records = [orjson.loads(line) for line in out_jsonl.read_bytes().splitlines()]
    assert [r["id"] for r in records] == [r["id"] for r in emu.items("deals")]

    as_csv = await invoke(emu, "export", "--type", "deals", "--format", "csv", "-o", str(out_csv))
    assert as_csv.exit_code == 0, as_csv.output
    with out_csv.open(newline="") as f:
        header = next(csv.reader(f))
    assert header[:2] == ["reference", "id"]
    assert set(FIELDS) <= set(header)
    back = await invoke(emu, "import", str(out_csv), "-t", "copies", "-k", "code")
    assert back.exit_code == 0, back.output
    original = sorted((r["data"] for r in emu.items("deals")), key=lambda d: d["code"])
    copied = sorted((r["data"] for r in emu.items("copies")), key=lambda d: d["code"])
    assert copied == original


async def test_export_to_stdout_types_and_count(emu: EnspaceEmulator, tmp_path: Path) -> None:
    emu.seed_type("small", fields=FIELDS, items=3)
    out = await invoke(emu, "export", "-t", "small")
    assert out.exit_code == 0
    assert len([line for line in out.stdout.splitlines() if line.startswith("{")]) == 3
    types = await invoke(emu, "types")
    assert types.exit_code == 0
    assert "small" in types.stdout
    assert "deals" in types.stdout
    count = await invoke(emu, "count", "--type", "small")
    assert (count.exit_code, count.stdout.strip()) == (0, "3")


async def test_user_mistakes_give_one_line_and_exit_1(emu: EnspaceEmulator, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "ok.jsonl", [{"code": "x"}])
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"code": "a"}\n{not json\n')
    one_error_line(
        await invoke(emu, "import", str(tmp_path / "missing.csv"), "-t", "deals"), "no such file"
    )
    one_error_line(await invoke(emu, "import", str(tmp_path), "-t", "deals"), "no such file")
    one_error_line(await invoke(emu, "import", str(good), "-t", "nope"), "unknown type 'nope'")
    one_error_line(
        await invoke(emu, "import", str(good), "-t", "deals", "-k", "zip"), "no field 'zip'"
    )
    one_error_line(await invoke(emu, "import", str(good), "-t", "deals", "-c", "0"), "concurrency")
    one_error_line(await invoke(emu, "count", "-t", "nope"), "unknown type")
    one_error_line(await invoke(emu, "export", "-t", "deals", "-f", "xml"), "csv or jsonl")
    one_error_line(
        await invoke(emu, "count", "-t", "deals", ENSPACE_API_KEY=None), "API key is required"
    )
    wrong = await invoke(emu, "count", "-t", "deals", ENSPACE_API_KEY="en.wrongwrongwrong")
    one_error_line(wrong, "401")
    assert "en.wrongwrongwrong" not in wrong.output
    one_error_line(await invoke(emu, "count", "-t", "deals", ENSPACE_API_URL="ftp://x"), "ftp")
    failing = await invoke(emu, "import", str(bad_json), "-t", "deals", "-k", "code")
    assert "line 2 is not valid JSON" in failing.output
    assert failing.exit_code == 1
    assert "Traceback" not in failing.output


def test_demo_with_a_few_rows_passes_and_prints_the_table() -> None:
    result = CliRunner().invoke(app, ["demo", "--rows", "400", "--rate-limit", "3000"])
    assert result.exit_code == 0, result.output
    for text in ("rows/s", "retries", "429s", "duplicates", "missing", "PASS", "3,000 requests/s"):
        assert text in result.output
    bad = CliRunner().invoke(app, ["demo", "--rows", "0"])
    assert bad.exit_code == 1
    assert "must be positive" in bad.output


async def test_console_script_runs_the_demo_and_the_emulator() -> None:
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enspace_async.cli",
        "demo",
        "--rows",
        "200",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await demo.communicate()
    assert demo.returncode == 0, output.decode()
    assert b"PASS" in output

    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enspace_async.cli",
        "emulator",
        "--port",
        "0",
        "--demo-data",
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None
    line = await asyncio.wait_for(server.stdout.readline(), 30)
    assert line.startswith(b"ENSPACE_EMULATOR url=http://127.0.0.1:")
    fields = dict(part.split("=", 1) for part in line.decode().split()[1:])
    env = {
        "ENSPACE_API_KEY": fields["key"],
        "ENSPACE_API_URL": fields["url"],
        "ENSPACE_WORKSPACE_ID": "acme",
    }
    count = await asyncio.to_thread(CliRunner(env=env).invoke, app, ["count", "-t", "contracts"])
    assert count.stdout.strip() == "250"
    server.send_signal(signal.SIGTERM)
    assert await server.wait() == 0
    assert os.environ.get("ENSPACE_API_KEY") != fields["key"]
