"""``enspace import`` run again: ``--resume`` sends failed rows again and keeps reporting
unknown ones, the journal goes only when every row is done, ``--key`` never creates an existing
item again (``--on-existing skip|update|fail``), and every stop prints the command that
resumes it."""

from __future__ import annotations

import asyncio
import shlex
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
from cli_helpers import env_of, invoke

from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=9) as emulator:
        emulator.seed_type("deals", fields=FIELDS)
        yield emulator


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def codes(emu: EnspaceEmulator) -> Counter[str]:
    return Counter(row["data"]["code"] for row in emu.items("deals"))


def resume_command(output: str) -> list[str]:
    """The command the output says resumes the import, as an argv."""
    line = next(line for line in output.splitlines() if line.startswith("resume with: "))
    return shlex.split(line.removeprefix("resume with: "))


@pytest.mark.parametrize("key", [["--key", "code"], []], ids=["key", "no key"])
async def test_a_fixed_row_is_imported_by_resume_and_only_then_the_journal_goes(
    emu: EnspaceEmulator, tmp_path: Path, key: list[str]
) -> None:
    source = write_jsonl(
        tmp_path / "d.jsonl", [{"code": "A", "amount": 1}, {"code": "B", "amount": "x"}]
    )
    journal = tmp_path / "d.jsonl.deals.checkpoint.jsonl"
    first = await invoke(emu, "import", str(source), "-t", "deals", *key)
    assert first.exit_code == 1
    assert "created 1 · failed 1 · unknown 0" in first.output
    command = resume_command(first.output)
    assert command == ["enspace", "import", str(source), "--type", "deals", *key, "--resume"]

    unfixed = await invoke(emu, *command[1:])
    assert unfixed.exit_code == 1  # the row is still bad: still failed, journal kept
    assert "created 0 · failed 1 · unknown 0 · skipped 1" in unfixed.output
    assert journal.exists()

    write_jsonl(source, [{"code": "A", "amount": 1}, {"code": "B", "amount": 2}])
    fixed = await invoke(emu, *command[1:])
    assert fixed.exit_code == 0, fixed.output
    assert "created 1 · failed 0 · unknown 0 · skipped 1" in fixed.output
    assert not journal.exists()
    assert codes(emu) == Counter({"A": 1, "B": 1})


async def test_unknown_rows_without_a_key_are_reported_on_every_resume(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "u.jsonl", [{"code": f"U{n}", "amount": n} for n in range(3)])
    journal = tmp_path / "u.jsonl.deals.checkpoint.jsonl"
    emu.faults.script("items.create", ["503"])  # maybe applied: never sent again blindly
    first = await invoke(emu, "import", str(source), "-t", "deals", "-c", "1")
    assert first.exit_code == 1
    assert "created 2 · failed 0 · unknown 1" in first.output
    assert "line 1 (key None): unknown: ServerError" in first.output
    for _ in range(2):
        again = await invoke(emu, *resume_command(first.output)[1:])
        assert again.exit_code == 1
        assert "created 0 · failed 0 · unknown 1 · skipped 2" in again.output
        assert "--key" in again.output  # how such rows get settled
        assert journal.exists()
    assert codes(emu) == Counter({"U1": 1, "U2": 1})


async def test_the_same_import_twice_with_a_key_never_doubles_the_data(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    rows = [{"code": "K1", "amount": 1}, {"code": "K2", "amount": 2}]
    source = write_jsonl(tmp_path / "k.jsonl", rows)
    first = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code")
    second = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code")
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "created 2" in first.output
    assert "created 0 · failed 0 · unknown 0 · skipped 0 · existing 2" in second.output
    assert codes(emu) == Counter({"K1": 1, "K2": 1})

    write_jsonl(source, [{"code": "K1", "amount": 10}, {"code": "K3", "amount": 3}])
    updated = await invoke(
        emu, "import", str(source), "-t", "deals", "-k", "code", "--on-existing", "update"
    )
    assert updated.exit_code == 0, updated.output
    assert "created 1" in updated.output
    assert "updated 1" in updated.output
    assert {r["data"]["code"]: r["data"]["amount"] for r in emu.items("deals")} == {
        "K1": 10,
        "K2": 2,
        "K3": 3,
    }

    failing = await invoke(
        emu, "import", str(source), "-t", "deals", "-k", "code", "--on-existing", "fail"
    )
    assert failing.exit_code == 1
    assert "failed 2" in failing.output
    assert "line 1 (key 'K1'): an item with code='K1' exists" in failing.output
    assert len(emu.items("deals")) == 3


async def test_bad_rerun_flags_are_one_line_errors(emu: EnspaceEmulator, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "r.jsonl", [{"code": "R"}])
    journal = tmp_path / "r.jsonl.deals.checkpoint.jsonl"
    missing = await invoke(emu, "import", str(source), "-t", "deals", "--resume")
    assert missing.exit_code == 1
    assert missing.output.strip().splitlines() == [
        f"error: --resume: no journal at {journal}: nothing to resume (run without --resume to "
        "start the import)"
    ]
    no_key = await invoke(emu, "import", str(source), "-t", "deals", "--on-existing", "skip")
    assert no_key.output.strip().splitlines() == ["error: --on-existing needs --key"]
    bad = await invoke(
        emu, "import", str(source), "-t", "deals", "-k", "code", "--on-existing", "x"
    )
    assert bad.exit_code == 1
    assert "--on-existing must be skip, update or fail" in bad.output
    assert emu.items("deals") == []


async def test_ctrl_c_prints_the_command_that_resumes_it(tmp_path: Path) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def gate(_: float) -> None:  # the emulator's latency faults wait for us
        entered.set()
        await release.wait()

    source = write_jsonl(tmp_path / "c.jsonl", [{"code": f"C{n}", "amount": n} for n in range(200)])
    async with EnspaceEmulator(seed=9, sleep=gate) as emu:
        emu.seed_type("deals", fields=FIELDS)
        emu.faults.script("items.create", ["ok"] * 50 + ["latency:1"])
        argv = [sys.executable, "-m", "enspace_async.cli"]
        flags = ["import", str(source), "--type", "deals", "--key", "code", "--concurrency", "4"]
        env = {**env_of(emu), "PATH": ""}
        child = await asyncio.create_subprocess_exec(
            *argv, *flags, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        async with asyncio.timeout(30):
            await entered.wait()  # the 51st create is on the wire
            child.send_signal(signal.SIGINT)
            output = (await child.communicate())[0].decode()
        release.set()
        assert child.returncode == 130, output
        assert "interrupted" in output
        command = resume_command(output)
        assert command == ["enspace", *flags, "--resume"]
        resumed = await asyncio.create_subprocess_exec(
            *argv,
            *command[1:],
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        async with asyncio.timeout(30):
            done = (await resumed.communicate())[0].decode()
        assert resumed.returncode == 0, done
        assert codes(emu) == Counter({f"C{n}": 1 for n in range(200)})
    assert not (tmp_path / "c.jsonl.deals.checkpoint.jsonl").exists()
