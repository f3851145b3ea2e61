"""Sharded bulk jobs: N workers split one input by row position, each with its own checkpoint,
while a RedisLimiter paces them as one client of the key.

The 12,000-row import runs 4 ``enspace import --shard i/4`` processes against one emulator
process (with ``--key`` each row is looked up before it is created: two requests a row).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
from typer.testing import CliRunner

from benchmarks._server import emulator
from enspace_async import ConfigurationError, RateLimiter
from enspace_async._bulk.checkpoint import Journal
from enspace_async.cli._app import app
from enspace_async.redis import RedisLimiter
from enspace_async.testing import EnspaceEmulator

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"code": "inputText", "amount": "EnlNumber"}


def rows(count: int) -> Iterator[dict[str, Any]]:
    return ({"code": f"C{n:05d}", "amount": n} for n in range(count))


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=8, log_limit=1000) as emulated:
        emulated.seed_type("orders", fields=FIELDS)
        yield emulated


def codes(emu: EnspaceEmulator) -> list[str]:
    return sorted(row["data"]["code"] for row in emu.items("orders"))


async def test_shards_split_the_rows_and_share_one_limiter(
    emu: EnspaceEmulator,
    redis_url: str,
    tmp_path: Path,
) -> None:
    total, count = 400, 4

    async def worker(index: int) -> tuple[int, list[int]]:
        shared = RedisLimiter(redis_url, emu.api_key, max_rate=2000, namespace=str(tmp_path))
        limiter = RateLimiter(backend=shared)
        async with shared, emu.client(rate_limit=limiter, retry_budget=shared) as client:
            result = await client.items.bulk_create(
                "orders",
                rows(total),
                key="code",
                shard=(index, count),
                checkpoint=tmp_path / f"shard-{index}.jsonl",
            )
        return result.created, sorted(result.references)

    results = await asyncio.gather(*(worker(i) for i in range(count)))
    assert codes(emu) == sorted(r["code"] for r in rows(total))  # every row exactly once
    for index, (created, positions) in enumerate(results):
        assert created == total // count
        assert positions == list(range(index, total, count))


async def test_a_shard_resumes_from_its_own_checkpoint(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    journal = tmp_path / "shard-1.jsonl"
    async with emu.client() as client:
        first = await client.items.bulk_create(
            "orders", rows(400), key="code", shard=(1, 4), checkpoint=journal
        )
        again = await client.items.bulk_create(
            "orders", rows(1000), key="code", shard=(1, 4), checkpoint=journal
        )
        with pytest.raises(ConfigurationError, match="another job"):
            await client.items.bulk_create(
                "orders", rows(1000), key="code", shard=(2, 4), checkpoint=journal
            )
    assert (first.created, again.skipped, again.created) == (100, 100, 150)
    assert codes(emu) == sorted(f"C{n:05d}" for n in range(1, 1000, 4))
    target = {"origin": emu.url, "workspace": "acme"}
    header = {"op": "create", "type": "orders", "key": "code", **target, "shard": [1, 4]}
    reopened = Journal(journal, header, concurrency=1)
    reopened.close()
    done = reopened.seen
    assert len(done) == 250
    assert (done.low, done._above) == (1001, set())  # the watermark steps by 4: memory bounded


@pytest.mark.parametrize("shard", [(4, 4), (-1, 4), (0, 0), (1,), ("0", 2), (True, 2), 3])
async def test_a_bad_shard_is_refused(emu: EnspaceEmulator, shard: Any) -> None:
    async with emu.client() as client:
        with pytest.raises(ConfigurationError, match="shard"):
            await client.items.bulk_create("orders", rows(3), shard=shard)
    assert emu.items("orders") == []


def test_cli_refuses_a_bad_shard_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_bytes(b"")
    env = {"ENSPACE_API_KEY": "en.x", "ENSPACE_API_URL": "http://127.0.0.1:9"}
    result = CliRunner(env=env).invoke(app, ["import", str(source), "-t", "x", "--shard", "4/4"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: --shard must be I/N with 0 <= I < N (0/4 ... 3/4), got '4/4'"
    ]


async def test_four_cli_workers_import_12000_rows_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = 12_000
    source = tmp_path / "contracts.jsonl"
    lines = (orjson.dumps({"title": f"C{n:05d}", "amount": n}) + b"\n" for n in range(total))
    source.write_bytes(b"".join(lines))
    # The emulator and the workers run in processes of their own, without the tests' debug
    # mode: their speed is not under test, only that the shards add up to every row once.
    monkeypatch.delenv("PYTHONDEVMODE", raising=False)
    with emulator(extra_args=["--demo-items", "0", "--log-limit", "1000"]) as server:
        env = {
            **os.environ,
            "ENSPACE_API_KEY": server.api_key,
            "ENSPACE_API_URL": server.url,
            "ENSPACE_WORKSPACE_ID": server.workspace,
        }
        argv = [sys.executable, "-m", "enspace_async.cli", "import", str(source)]
        argv += ["--type", "contracts", "--key", "title"]
        workers = [
            await asyncio.create_subprocess_exec(
                *argv,
                "--shard",
                f"{index}/4",
                env=env,
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for index in range(4)
        ]
        outputs = [(await worker.communicate())[0].decode() for worker in workers]
        async with server.client() as client:
            titles = [item.data["title"] async for item in client.items.export("contracts")]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output
        assert "created 3000 · failed 0 · unknown 0" in output, output
    assert sorted(titles) == [f"C{n:05d}" for n in range(total)]  # 12,000 items, each once
    assert not [p for p in os.listdir(tmp_path) if "checkpoint" in p]  # no journal left
