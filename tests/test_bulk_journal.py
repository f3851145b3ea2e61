"""The checkpoint journal: a cut last line repaired, any other bad line refused by number, one
job at a time (an OS lock; a killed holder never blocks), and the API origin and workspace
recorded and checked."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import FAST

from enspace_async import BulkProgress, ConfigurationError, EnspaceClient
from enspace_async._bulk.checkpoint import Journal
from enspace_async._bulk.result import RowError
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}
CHILD = Path(__file__).with_name("bulk_child.py")
HEADER = {
    "op": "create",
    "type": "deals",
    "key": None,
    "origin": "http://127.0.0.1:1",
    "workspace": "acme",
}


def rows(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {"code": f"C{n:06d}", "amount": n}


def codes(emu: EnspaceEmulator, workspace: str | None = None) -> Counter[str]:
    return Counter(row["data"]["code"] for row in emu.items("deals", workspace))


def line(entry: dict[str, Any]) -> bytes:
    return orjson.dumps(entry) + b"\n"


pytestmark = pytest.mark.emulator(seed=4, types={"deals": FIELDS})


async def cancel_after(job: Callable[[Any], Awaitable[Any]], done: int) -> None:
    """Run ``job(on_progress)`` and cancel it once ``done`` rows finished."""
    stop = asyncio.Event()

    def progress(p: BulkProgress) -> None:
        if p.done >= done:
            stop.set()

    task = asyncio.create_task(job(progress))
    async with asyncio.timeout(20):
        await stop.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


# --- torn and malformed lines ---------------------------------------------------------------


def test_a_cut_last_line_is_removed_once_and_the_next_header_starts_clean(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, HEADER, concurrency=4)
    journal.record(0, "created", "REF0", None)
    journal.sending(1)
    journal.close()
    whole = path.read_bytes()
    with path.open("ab") as f:
        f.write(b'{"i": 1, "o": "crea')  # the crash cut this line
    with caplog.at_level(logging.WARNING, logger="enspace_async.bulk"):
        resumed = Journal(path, HEADER, concurrency=4)
        resumed.close()
    assert [r.getMessage() for r in caplog.records] == [
        f"checkpoint {path}: removed a cut last line (19 bytes)"
    ]
    lines = path.read_bytes().splitlines(keepends=True)
    assert b"".join(lines[:-1]) == whole
    assert orjson.loads(lines[-1])["journal"] == 2  # the new header is a line of its own
    assert resumed.finished(0)
    assert resumed.suspect(1)
    caplog.clear()
    again = Journal(path, HEADER, concurrency=4)
    again.close()
    assert caplog.records == []


async def test_resumes_after_a_cut_line_finish_without_refusing_or_duplicating(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    path = tmp_path / "torn.jsonl"

    def job(progress: Any) -> Awaitable[Any]:
        return client.items.bulk_create(
            "deals", rows(50), concurrency=1, checkpoint=path, on_progress=progress
        )

    await cancel_after(job, 30)
    with path.open("ab") as f:
        f.write(b'{"i":30,"o":"created"')
    second = await client.items.bulk_create("deals", rows(50), concurrency=1, checkpoint=path)
    third = await client.items.bulk_create("deals", rows(50), concurrency=1, checkpoint=path)
    assert second.skipped + second.created + second.unknown == 50
    assert (third.skipped, third.created) == (50 - second.unknown, 0)
    assert set(codes(emu).values()) == {1}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"not json\n", "line 2 is not JSON"),
        (b"[1, 2]\n", "line 2 is not a journal entry: expected an object, got list"),
        (b'{"x": 1}\n', 'line 2 is not a journal entry: "i" must be a row index'),
        (b'{"i": "x", "o": "created"}\n', "\"i\" must be a row index, got 'x'"),
        (b'{"i": true, "o": "created"}\n', '"i" must be a row index, got True'),
        (b'{"i": -1, "o": "created"}\n', '"i" must be a row index, got -1'),
        (b'{"i": 1, "o": "done"}\n', '"o" must be one of created, updated'),
        (b'{"i": 1, "o": "created", "r": 7}\n', '"r" must be str, got 7'),
        (b'{"i": 1, "o": "failed", "s": "400"}\n', "\"s\" must be int, got '400'"),
        (line({"journal": 2, **HEADER, "concurrency": "lots"}), '"concurrency" must be a'),
    ],
)
def test_a_bad_line_is_a_configuration_error_naming_it(
    tmp_path: Path, text: bytes, problem: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(line({"journal": 2, **HEADER, "concurrency": 1}) + text)
    with pytest.raises(ConfigurationError, match="line 2") as caught:
        Journal(path, HEADER, concurrency=1)
    assert problem in str(caught.value)
    assert path.read_bytes().endswith(text)  # nothing appended to a refused journal


def test_a_journal_of_another_version_or_job_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_bytes(line({"journal": 1, "op": "create", "type": "deals", "key": None}))
    with pytest.raises(ConfigurationError, match="another version of enspace-async"):
        Journal(path, HEADER, concurrency=1)
    Journal(other := tmp_path / "other.jsonl", HEADER, concurrency=1).close()
    with pytest.raises(ConfigurationError, match=r"another job \(key=None, this job has 'code'\)"):
        Journal(other, {**HEADER, "key": "code"}, concurrency=1)


def test_rows_stand_where_their_last_line_says(tmp_path: Path) -> None:
    path = tmp_path / "states.jsonl"
    journal = Journal(path, HEADER, concurrency=8)
    journal.record(0, "created", "R0", None)
    journal.sending(1)  # killed in flight
    journal.record(2, "failed", None, RowError(2, None, "RateLimitError: 429", 429, True))
    journal.sending(2)  # sent again by a later run and killed in flight: a suspect again
    journal.record(3, "failed", None, RowError(3, None, "BadRequestError: 400", 400))
    journal.record(4, "unknown", None, RowError(4, None, "ServerError: 503", 503, unknown=True))
    journal.sending(5)
    journal.record(5, "existing", "R5", None)
    journal.close()
    reopened = Journal(path, HEADER, concurrency=8)
    reopened.close()
    assert [reopened.finished(i) for i in range(7)] == [1, 0, 0, 0, 0, 1, 0]
    assert [reopened.suspect(i) for i in range(7)] == [0, 1, 1, 0, 1, 0, 0]
    assert reopened.references == {0: "R0", 5: "R5"}


# --- one job at a time ------------------------------------------------------------------------


def test_a_second_opener_fails_at_once_and_the_lock_ends_with_the_job(tmp_path: Path) -> None:
    path = tmp_path / "locked.jsonl"
    first = Journal(path, HEADER, concurrency=1)
    with pytest.raises(ConfigurationError, match="in use by another running job"):
        Journal(path, HEADER, concurrency=1)
    first.close()
    Journal(path, HEADER, concurrency=1).close()


def gated_emulator() -> tuple[EnspaceEmulator, asyncio.Event, asyncio.Event]:
    """An emulator whose ``latency`` faults wait for ``release`` (``entered`` when one does)."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def sleep(_: float) -> None:
        entered.set()
        await release.wait()

    emulator = EnspaceEmulator(seed=4, sleep=sleep)
    return emulator, entered, release


async def start_child(url: str, api_key: str, journal: Path, total: int, workers: int) -> Any:
    argv = [url, api_key, str(journal), str(total), "-", str(workers), "0", "0"]
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), *argv, stdout=asyncio.subprocess.PIPE
    )


async def test_two_processes_on_one_journal_one_refused_at_once(tmp_path: Path) -> None:
    journal = tmp_path / "shared.jsonl"
    emulator, entered, release = gated_emulator()
    async with emulator as emu:
        emu.seed_type("deals", fields=FIELDS)
        emu.faults.script("items.create", ["latency:1"])  # the first create waits for us
        first = await start_child(emu.url, emu.api_key, journal, 300, 8)
        async with asyncio.timeout(30):
            await entered.wait()  # the first process holds the journal, a create in flight
            second = await start_child(emu.url, emu.api_key, journal, 300, 8)
            refused, _ = await second.communicate()
            release.set()
            finished, _ = await first.communicate()
        assert second.returncode == 3
        assert b"refused:" in refused
        assert b"in use by another running job" in refused
        assert first.returncode == 0, finished
        assert orjson.loads(finished)["created"] == 300
        assert codes(emu) == Counter({f"C{n:06d}": 1 for n in range(300)})


async def test_a_killed_holder_never_blocks_the_resume(tmp_path: Path) -> None:
    journal = tmp_path / "killed.jsonl"
    emulator, entered, release = gated_emulator()
    async with emulator as emu, emu.client(retry=FAST) as client:
        emu.seed_type("deals", fields=FIELDS)
        emu.faults.script("items.create", ["latency:1"])
        holder = await start_child(emu.url, emu.api_key, journal, 20, 1)
        async with asyncio.timeout(30):
            await entered.wait()
            holder.send_signal(signal.SIGKILL)
            assert await holder.wait() == -9
            release.set()
            result = await client.items.bulk_create("deals", rows(20), checkpoint=journal)
        assert (result.created, result.unknown) == (19, 1)  # the row in flight is a suspect
        assert result.errors[0].index == 0
        found = codes(emu)
        assert found["C000000"] <= 1  # applied once by the server after the kill, or not
        assert all(found[f"C{n:06d}"] == 1 for n in range(1, 20))


# --- the journal names where it writes --------------------------------------------------------


async def test_a_journal_of_another_workspace_or_server_is_refused(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    emu.add_workspace("other")
    emu.seed_type("deals", fields=FIELDS, workspace="other")
    journal = tmp_path / "acme.jsonl"
    first = await client.items.bulk_create("deals", rows(50), key="code", checkpoint=journal)
    assert first.created == 50
    with pytest.raises(ConfigurationError, match="workspace='acme', this job has 'other'"):
        await client.with_workspace("other").items.bulk_create(
            "deals", rows(50), key="code", checkpoint=journal
        )
    async with EnspaceEmulator(seed=5) as elsewhere, elsewhere.client() as stranger:
        elsewhere.seed_type("deals", fields=FIELDS)
        with pytest.raises(ConfigurationError, match=f"origin='{emu.url}'"):
            await stranger.items.bulk_create("deals", rows(50), key="code", checkpoint=journal)
        assert elsewhere.items("deals") == []
    assert codes(emu, "other") == Counter()
    header = orjson.loads(journal.read_bytes().splitlines()[0])
    assert (header["origin"], header["workspace"]) == (emu.url, "acme")
