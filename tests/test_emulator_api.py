"""The emulator's Python API: keys, determinism, state access, the standalone command."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys

import aiohttp
import pytest

from enspace_async import ConfigurationError, EnspaceClient, NotFoundError
from enspace_async.testing import EnspaceEmulator, RateLimit
from enspace_async.testing.__main__ import build, parse_args, serve


def test_keys_look_real_and_are_deterministic_for_a_seed() -> None:
    first, again, other = EnspaceEmulator(seed=3), EnspaceEmulator(seed=3), EnspaceEmulator(seed=4)
    assert re.fullmatch(r"en\.[A-Za-z0-9]{34}", first.api_key)
    assert first.api_key == again.api_key != other.api_key
    assert first.add_api_key() == again.add_api_key()


def test_demo_data_is_deterministic_for_a_seed() -> None:
    def rows(seed: int) -> list[object]:
        emu = EnspaceEmulator(seed=seed)
        emu.seed_type("contracts", items=20)
        return [(r["reference"], r["data"]) for r in emu.items("contracts")]

    assert rows(1) == rows(1)
    assert rows(1) != rows(2)


def test_demo_data_covers_every_common_value_shape() -> None:
    emu = EnspaceEmulator()
    kinds = [
        "EnHtml",
        "EnlCheckbox",
        "radioButton",
        "checkbox",
        "uploadImage",
        "EnPDF",
        "EnRepeater",
    ]
    emu.seed_type("all", fields={k.lower(): k for k in kinds}, items=2)
    data = emu.items("all")[1]["data"]
    assert data["enhtml"].startswith("<p>")
    assert isinstance(data["enlcheckbox"], bool)
    assert data["radiobutton"] in ("low", "medium", "high", "urgent")
    assert len(data["checkbox"]) == 2
    assert data["uploadimage"]["mime"] == "image/png"
    assert data["enpdf"]["filename"].endswith(".pdf")
    assert "enrepeater" not in data
    emu.seed_type("all", items=3)
    assert len(emu.items("all")) == 5


def test_default_demo_type_has_realistic_values() -> None:
    emu = EnspaceEmulator()
    emu.seed_type("contracts", items=1)
    data = emu.items("contracts")[0]["data"]
    assert set(data["price"]) == {"currency", "value", "originalValue"}
    assert set(data["address"]) == {
        "street",
        "number",
        "complement",
        "neighborhood",
        "city",
        "state",
        "zip",
        "country",
    }
    assert set(data["attachment"]) == {"url", "filename", "mime", "size"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["due_date"])
    assert isinstance(data["amount"], int)
    assert isinstance(data["active"], bool)
    assert data["email"] == "user1@example.com"


def test_bad_arguments_and_lookups_name_what_to_fix() -> None:
    # Each is a ConfigurationError (the SDK's own "fix your argument" error), never a bare
    # ValueError, KeyError or RuntimeError, and its message says what to do.
    emu = EnspaceEmulator(workspace=None)
    with pytest.raises(ConfigurationError, match=r"scopes must be among .*read.*got \['admin'\]"):
        emu.add_api_key(scopes=("admin",))
    with pytest.raises(ConfigurationError, match="no default workspace: pass workspace="):
        emu.items("contracts")
    with pytest.raises(ConfigurationError, match=r"no workspace 'nowhere'.*add_workspace"):
        emu.items("contracts", workspace="nowhere")
    with pytest.raises(ConfigurationError, match="start the emulator first"):
        emu.client()
    emu.add_workspace("acme")
    with pytest.raises(
        ConfigurationError, match=r"no type 'ghosts' in workspace 'acme'.*seed_type"
    ):
        emu.items("ghosts", workspace="acme")
    with pytest.raises(ConfigurationError, match="per_second must be positive"):
        RateLimit(per_second=0)
    with pytest.raises(ConfigurationError, match="burst must be at least 1"):
        RateLimit(per_second=1, burst=0)
    with pytest.raises(ConfigurationError, match="unknown fault kind 'boom'"):
        emu.faults.add("boom")
    with pytest.raises(ConfigurationError, match="rate must be between 0 and 1"):
        emu.faults.add("reset", rate=2)
    with pytest.raises(ConfigurationError, match="shapes must be one of"):
        EnspaceEmulator(shapes="odd")
    assert repr(emu) == "<EnspaceEmulator not started>"
    assert "en." not in repr(next(iter(emu.state.keys.values())))


async def test_client_is_pointed_at_the_emulator() -> None:
    async with EnspaceEmulator() as emu:
        emu.add_workspace("globex")
        emu.seed_type("contracts", items=2, workspace="globex")
        async with emu.client(workspace="globex") as client:
            assert isinstance(client, EnspaceClient)
            assert await client.items.count("contracts") == 2
            with pytest.raises(NotFoundError):
                await client.items.get("contracts", "NOPE")
        assert repr(emu) == f"<EnspaceEmulator {emu.url}>"
        ref = emu.items("contracts", workspace="globex")[0]["reference"]
        assert emu.item(ref, workspace="globex") is not None
    await emu.stop()


def test_command_line_builds_the_emulator() -> None:
    args = parse_args(
        [
            "--port",
            "0",
            "--demo-data",
            "--demo-items",
            "10",
            "--api-key",
            "en.fixed",
            "--rate-limit",
            "5",
            "--burst",
            "7",
            "--latency",
            "0.01",
            "--fault",
            "503:0.5",
        ]
    )
    emu = build(args)
    assert emu.api_key == "en.fixed"
    assert len(emu.items("contracts")) == 10
    assert len(emu.items("suppliers")) == 2
    assert emu.rate_limiter is not None
    assert emu.rate_limiter.limit.capacity == 7
    assert emu.faults.active


async def test_serve_prints_one_ready_line(capsys: pytest.CaptureFixture[str]) -> None:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(parse_args(["--port", "0"]), stop, ready))
    await ready.wait()
    stop.set()
    await task
    assert capsys.readouterr().out.startswith("ENSPACE_EMULATOR url=http://127.0.0.1:")


def test_standalone_process_serves_until_sigterm() -> None:
    command = [sys.executable, "-m", "enspace_async.testing", "--port", "0", "--workspace", "demo"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"ENSPACE_EMULATOR url=(\S+) key=(en\.\w{34}) workspace=demo\n", line)
        assert found, line

        async def count() -> object:
            async with aiohttp.ClientSession() as session:
                headers = {"x-api-key": found[2], "en-workspace": "demo"}
                async with session.get(found[1] + "/ws/types/count", headers=headers) as response:
                    return await response.json()

        assert asyncio.run(count()) == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
