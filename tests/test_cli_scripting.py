"""The ``enspace`` command in scripts and CI (issue 16, points 8-11): ``--version`` and ``-h``,
every command's ``--help``, ``--json``, ``enspace api``, a closed pipe, plain progress lines
when standard error is not a terminal, and errors in the CLI's own words."""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import orjson
import pytest
import pytest_asyncio
import typer
from cli_helpers import env_of, invoke
from rich.console import Console
from typer.testing import CliRunner, Result

from enspace_async import __version__
from enspace_async.cli._app import app
from enspace_async.cli._progress import RowProgress
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}
CLI = [sys.executable, "-m", "enspace_async.cli"]


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=11) as emulator:
        emulator.seed_type("deals", fields=FIELDS, items=3)
        yield emulator


def one_error_line(result: Result, *texts: str) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    for text in texts:
        assert text in lines[0]
    return lines[0]


def child_env(emu: EnspaceEmulator) -> dict[str, str]:
    return {**os.environ, **{k: v for k, v in env_of(emu).items() if v is not None}}


# Point 8: --version, -h, every command's --help


def test_version_and_short_help() -> None:
    version = CliRunner().invoke(app, ["--version"])
    assert (version.exit_code, version.output) == (0, f"enspace-async {__version__}\n")
    short = CliRunner().invoke(app, ["-h"])
    assert short.exit_code == 0
    for command in ("import", "export", "types", "count", "api", "emulator", "demo"):
        assert re.search(rf"^  {command}  ", short.output, re.MULTILINE), short.output


def _commands() -> Iterator[tuple[str, list[str]]]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    for name, command in group.commands.items():
        options = [p for p in command.params if p.param_type_name == "option"]
        yield name, [o for p in options for o in p.opts + p.secondary_opts]


@pytest.mark.parametrize(("name", "options"), list(_commands()), ids=lambda v: str(v)[:20])
def test_every_command_help_lists_its_options_with_no_bool_metavar(
    name: str, options: list[str]
) -> None:
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(app, [name, flag])
        assert result.exit_code == 0, result.output
        for option in options:
            assert option in result.output, (name, option)
        assert "<bool>" not in result.output
        assert "Options:" in result.output or "options:" in result.output


def test_the_emulator_help_lists_the_emulator_options() -> None:
    result = CliRunner().invoke(app, ["emulator", "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("usage: enspace emulator")
    for option in ("--port", "--host", "--demo-data", "--rate-limit", "--fault", "--api-key"):
        assert option in result.output


# Point 9: --json, enspace api, a closed pipe


async def test_json_for_types_count_and_summaries(emu: EnspaceEmulator, tmp_path: Path) -> None:
    types = await invoke(emu, "types", "--json")
    assert types.exit_code == 0, types.output
    assert orjson.loads(types.stdout) == [{"slug": "deals", "name": "Deals", "items": 3}]
    count = await invoke(emu, "count", "-t", "deals", "--json")
    assert orjson.loads(count.stdout) == {"type": "deals", "count": 3}

    source = tmp_path / "d.csv"
    source.write_text("code,amount\nA,1\nB,lots\n")
    imported = await invoke(emu, "import", str(source), "-t", "deals", "-k", "code", "--json")
    assert imported.exit_code == 1
    report = orjson.loads(imported.stdout)
    assert (report["ok"], report["created"], report["failed"]) == (False, 1, 1)
    assert report["requests"] >= 4  # type, fields, and a lookup and a create per row
    (error,) = report["errors"]
    assert (error["line"], error["key"], error["unknown"]) == (3, "B", False)
    assert report["resume"].endswith(" --type deals --key code --resume")

    out = tmp_path / "out.jsonl"
    exported = await invoke(emu, "export", "-t", "deals", "-o", str(out), "--json")
    assert exported.exit_code == 0, exported.output
    assert orjson.loads(exported.stdout) == {"type": "deals", "exported": 4, "output": str(out)}
    to_stdout = await invoke(emu, "export", "-t", "deals", "--json")
    lines = to_stdout.stdout.splitlines()
    assert len(lines) == 4  # the items alone: the summary went to standard error
    assert all(line.startswith('{"id":') for line in lines)
    assert '"exported": 4' in to_stdout.stderr


async def test_api_calls_any_route_and_prints_json(emu: EnspaceEmulator, tmp_path: Path) -> None:
    listed = await invoke(emu, "api", "GET", "/ws/types/deals/items?_limit=2&_sort=id:desc")
    assert listed.exit_code == 0, listed.output
    items = orjson.loads(listed.stdout)
    assert [item["id"] for item in items] == sorted(
        (r["id"] for r in emu.items("deals")), reverse=True
    )[:2]

    created = await invoke(
        emu, "api", "POST", "ws/types/deals/items", "--data", '{"data": {"code": "API"}}'
    )
    assert created.exit_code == 0, created.output
    assert orjson.loads(created.stdout)["data"] == {"code": "API"}
    body = tmp_path / "body.json"
    body.write_text('{"data": {"amount": 9}}')
    reference = orjson.loads(created.stdout)["reference"]
    updated = await invoke(
        emu, "api", "PUT", f"/ws/types/deals/items/{reference}", "-d", f"@{body}"
    )
    assert updated.exit_code == 0, updated.output
    assert emu.item(reference)["data"] == {"code": "API", "amount": 9}  # type: ignore[index]

    deleted = await invoke(emu, "api", "DELETE", f"/ws/types/deals/items/{reference}")
    assert deleted.exit_code == 0, deleted.output
    assert emu.item(reference) is None

    no_workspace = await invoke(emu, "api", "GET", "/workspaces", ENSPACE_WORKSPACE_ID=None)
    assert no_workspace.exit_code == 0, no_workspace.output
    assert "acme" in [w["slug"] for w in orjson.loads(no_workspace.stdout)]
    header = [r for r in emu.requests if r.path == "/workspaces"]
    assert [r.workspace for r in header] == [None]  # no en-workspace header was sent

    one_error_line(await invoke(emu, "api", "GET", "/ws/types/nope"), "404")
    one_error_line(await invoke(emu, "api", "POST", "/ws/types", "-d", "{x"), "--data is not JSON")
    one_error_line(await invoke(emu, "api", "GET", "https://evil.test/ws"), "PATH must be a route")
    one_error_line(await invoke(emu, "api", "FETCH", "/ws/types"), "METHOD must be one of")


async def test_export_into_a_pipe_closed_early_exits_quietly(emu: EnspaceEmulator) -> None:
    emu.seed_type("big", fields=FIELDS, items=3000)  # far more than a pipe buffer holds
    script = f'{" ".join(CLI)} export -t big | head -n 2; echo "rc=${{PIPESTATUS[0]}}" >&2'
    child = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        script,
        env=child_env(emu),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await child.communicate()
    assert len(out.splitlines()) == 2
    assert err.decode().splitlines()[-1] == "rc=1"
    assert err.decode().strip() == "rc=1", err.decode()  # no traceback, no "Broken pipe"


# Point 10: progress when standard error is not a terminal


def test_plain_progress_lines_come_every_period_by_the_injected_clock() -> None:
    now = [100.0]
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=40)
    with RowProgress(console, "import a.csv", 1000, None, every=5.0, clock=lambda: now[0]) as bar:
        for seconds, done in ((1.0, 10), (4.9, 20), (5.0, 30), (9.0, 40), (10.0, 50), (12, 60)):
            now[0] = 100.0 + seconds
            bar.rows(done, done / seconds)
    assert out.getvalue().splitlines() == [
        "import a.csv: 30/1,000 rows (3%) · 6 rows/s · 5 s · retries 0 · 429s 0",
        "import a.csv: 50/1,000 rows (5%) · 5 rows/s · 10 s · retries 0 · 429s 0",
        "import a.csv: 60/1,000 rows (6%) · 5 rows/s · 12 s · retries 0 · 429s 0",  # the last
    ]


async def test_progress_through_a_pipe_is_plain_lines(emu: EnspaceEmulator, tmp_path: Path) -> None:
    source = tmp_path / "rows-of-a-file-with-a-long-name.jsonl"
    source.write_bytes(b"".join(orjson.dumps({"code": f"P{n}"}) + b"\n" for n in range(300)))
    emu.faults.script("items.create", ["429:0"] * 3)
    child = await asyncio.create_subprocess_exec(
        *CLI,
        *("import", str(source), "-t", "deals", "-c", "4", "--progress-every", "0"),
        env=child_env(emu),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        _, err = await child.communicate()
    assert child.returncode == 0, err.decode()
    text = err.decode()
    assert "\x1b" not in text  # no escape codes
    assert "━" not in text  # no bar
    lines = [
        line
        for line in text.splitlines()
        if line.startswith("import rows-of-a-file-with-a-long-name.jsonl: ")
    ]
    pattern = r"import rows-of-a-file-with-a-long-name.jsonl: [\d,]+/300 rows \(\d+%\) · [\d,]+ rows/s · \d+ s · retries \d+ · 429s \d+"
    assert len(lines) >= 300  # a line per row with a period of 0
    assert all(re.fullmatch(pattern, line) for line in lines), lines[:3]
    assert lines[-1].startswith("import rows-of-a-file-with-a-long-name.jsonl: 300/300 rows (100%)")
    assert lines[-1].endswith("retries 3 · 429s 3")
    assert min(len(line) for line in lines) > 80  # nothing cut at 80 columns


# Point 11: errors in CLI terms


async def test_a_missing_key_or_workspace_names_the_flag_and_the_variable(
    emu: EnspaceEmulator,
) -> None:
    result = await invoke(emu, "count", "-t", "deals", ENSPACE_API_KEY=None)
    line = one_error_line(result, "pass --api-key or set ENSPACE_API_KEY")
    assert "api_key=" not in line
    nowhere = await invoke(emu, "count", "-t", "deals", ENSPACE_WORKSPACE_ID=None)
    one_error_line(nowhere, "needs a workspace: pass --workspace or set ENSPACE_WORKSPACE_ID")


async def test_a_connect_error_names_the_host(emu: EnspaceEmulator) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = await invoke(emu, "count", "-t", "deals", ENSPACE_API_URL=f"http://localhost:{port}")
    one_error_line(result, f"cannot connect to localhost:{port}", "check --url or ENSPACE_API_URL")


def test_the_emulator_on_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["emulator", "--port", str(port)])
    one_error_line(result, f"127.0.0.1:{port} is in use: pick another --port (0 picks a free one)")


async def test_a_type_slug_that_could_change_the_path_is_one_line(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text('{"code": "x"}\n')
    for args in (["count"], ["export"], ["import", str(source)]):
        result = await invoke(emu, *args, "--type", "a/b")
        one_error_line(result, "--type must not contain '/'")
    assert [r for r in emu.requests if "a/b" in r.path or r.method == "POST"] == []


async def test_plain_http_goes_only_to_loopback_unless_allowed(emu: EnspaceEmulator) -> None:
    # 0.0.0.0 is not a loopback address by the client's rule, yet connecting to it reaches
    # this machine (the emulator on 127.0.0.1): a real request, and never off the machine.
    port = emu.url.rsplit(":", 1)[1]
    url = f"http://0.0.0.0:{port}"
    refused = await invoke(emu, "count", "-t", "deals", ENSPACE_API_URL=url)
    one_error_line(refused, "refusing plain http:// to 0.0.0.0", "pass --allow-insecure-http")
    before = len(emu.requests)
    allowed = await invoke(
        emu, "count", "-t", "deals", "--allow-insecure-http", ENSPACE_API_URL=url
    )
    assert (allowed.exit_code, allowed.stdout.strip()) == (0, "3"), allowed.output
    assert len(emu.requests) > before
    loopback = await invoke(emu, "count", "-t", "deals")  # 127.0.0.1 needs no flag
    assert loopback.exit_code == 0
