"""The scripts in examples/ run as documented and print what their docstrings promise."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from enspace_async.testing import EnspaceEmulator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` under a private module name."""
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run_main(name: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run the example's ``main()`` in this loop and return its output lines."""
    await load(name).main()
    return capsys.readouterr().out.splitlines()


@pytest.fixture(autouse=True)
def no_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENSPACE_API_KEY", "ENSPACE_API_URL", "ENSPACE_WORKSPACE_ID"):
        monkeypatch.delenv(name, raising=False)


def test_every_example_is_a_small_documented_script() -> None:
    scripts = sorted(p.stem for p in EXAMPLES.glob("*.py"))
    assert scripts == [
        "bulk_import",
        "celery_style_worker",
        "middleware",
        "quickstart",
        "sync_worker",
    ]
    for name in scripts:
        text = (EXAMPLES / f"{name}.py").read_text()
        assert text.startswith('"""'), name
        assert f"python examples/{name}.py" in text, name
        runner = "main()" if name == "celery_style_worker" else "asyncio.run(main())"
        assert f'if __name__ == "__main__":\n    {runner}' in text, name
        assert len(text.splitlines()) <= 90, name
        readme = (EXAMPLES.parent / "README.md").read_text()
        assert f"examples/{name}.py" in readme.split("## Examples", 1)[1], name


async def test_quickstart(capsys: pytest.CaptureFixture[str]) -> None:
    lines = await run_main("quickstart", capsys)
    assert lines[0] == (
        "type qs-contracts: title:inputText, city:inputText, amount:EnCurrency, supplier:EnRel"
    )
    created = [line.split()[1] for line in lines if line.startswith("created ")]
    assert len(created) == 3
    recife = [line.split()[1] for line in lines if line.startswith("Recife: ")]
    assert recife == [created[2], created[0]]  # id:desc, São Paulo filtered out
    assert "count Recife: 2" in lines
    supplier = next(line for line in lines if line.startswith(f"got {created[2]}: supplier "))
    assert supplier.split()[-1] not in created
    assert f"updated {created[2]}: amount 9240.00" in lines
    assert f"deleted {created[2]}; get -> 404 item {created[2]!r} not found" in lines
    assert lines[-1] == "done"


async def test_quickstart_from_env_runs_the_same_tour_and_cleans_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with EnspaceEmulator(seed=5) as emulator:
        monkeypatch.setenv("ENSPACE_API_KEY", emulator.api_key)
        monkeypatch.setenv("ENSPACE_API_URL", emulator.url)
        monkeypatch.setenv("ENSPACE_WORKSPACE_ID", "acme")
        lines = await run_main("quickstart", capsys)
        assert "count Recife: 2" in lines
        assert "done" not in lines  # no second, emulated tour
        assert emulator.applied["types.create"] == 2
        assert emulator.applied["items.create"] == 4
        assert emulator.applied["types.delete"] == 2
        assert emulator.ws().type_states == {}


async def test_sync_worker(capsys: pytest.CaptureFixture[str]) -> None:
    lines = await run_main("sync_worker", capsys)
    assert lines[:3] == [
        "run 1: acme=150, globex=150",
        "run 2: acme=3, globex=1",  # three updates and one create since run 1
        "run 3: acme=0, globex=0",
    ]
    assert lines[3].startswith("replica rows: 301;")


class FlakyReplica(dict[str, object]):
    """A destination that goes down once, at its ``fail_at``-th write."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at, self.writes = fail_at, Counter[str]()

    def __setitem__(self, key: str, value: object) -> None:
        if sum(self.writes.values()) + 1 == self.fail_at:
            self.fail_at = 0
            raise ConnectionError("replica down")
        self.writes[key] += 1
        super().__setitem__(key, value)


async def test_sync_worker_resumes_after_a_crash_without_repeating_rows(tmp_path: Path) -> None:
    example = load("sync_worker")
    async with EnspaceEmulator(seed=2) as emulator:
        emulator.seed_type(example.TYPE, items=250)  # one shared timestamp: the hard case
        replica = FlakyReplica(fail_at=137)
        async with emulator.client() as client:
            with pytest.raises(ConnectionError):
                await example.sync(client, example.CursorStore(tmp_path / "c.json"), replica)
            assert len(replica) == 136
            resumed = await example.sync(client, example.CursorStore(tmp_path / "c.json"), replica)
        assert resumed == 250 - 136
        assert set(replica) == {f"acme/{row['reference']}" for row in emulator.items("contracts")}
        assert set(replica.writes.values()) == {1}  # every row copied exactly once


def test_celery_style_worker(capsys: pytest.CaptureFixture[str]) -> None:
    load("celery_style_worker").main()  # sync: it blocks, so no event loop may run here
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "reviewed 60 invoices on 8 threads"
    decided = lines[1].removeprefix("decided: ")
    assert lines[2] == f"report: {decided}"  # every decision was written back
    assert "'approved': " in decided
    assert "'needs review': " in decided
    assert lines[3] == "one client: requests=122 retries={}"  # 2 list pages, 60 gets, 60 updates


async def test_bulk_import(capsys: pytest.CaptureFixture[str]) -> None:
    lines = await run_main("bulk_import", capsys)
    assert [line.split(" rows,")[0].strip() for line in lines[:3]] == ["100", "200", "300"]
    imported = next(line for line in lines if line.startswith("import: "))
    assert "created=300 skipped=0 failed=0 unknown=0" in imported
    assert re.search(r"recovered=[1-9]\d* ok=True", imported)
    rerun = next(line for line in lines if line.startswith("rerun: "))
    assert "created=0 skipped=300 failed=0 unknown=0 recovered=0 ok=True" in rerun
    assert re.search(r"'503': [1-9].*'reset_after': [1-9]", lines[-1])
    assert lines[-1].endswith("items: 300, codes: 300")


async def test_middleware(capsys: pytest.CaptureFixture[str]) -> None:
    lines = await run_main("middleware", capsys)
    traced = [
        line for line in lines if re.fullmatch(r"\[[0-9a-f]{16}\] GET \S+ -> 200 in .+", line)
    ]
    assert [line.split()[2] for line in traced] == ["items.list"] * 3 + ["items.get", "items.count"]
    assert lines.index("  attempt 1 of items.get: 503") < lines.index(
        "  attempt 2 of items.get: 200"
    )
    assert "items.list: 3 calls" in "\n".join(lines)
    assert lines[-1] == "stats: requests=5 attempts=6 retries={'503': 1}"


def test_quickstart_runs_as_a_script_on_a_fresh_interpreter() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENSPACE_")}
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == "done"


# The README's code blocks, run as its reader would run them.

README = EXAMPLES.parent / "README.md"


def readme_blocks(section: str, language: str) -> list[str]:
    """The ``language`` code blocks of the README section whose heading is ``section``."""
    text = README.read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.S | re.M)


async def test_readme_quickstart_runs_against_enspace_emulator_demo_data() -> None:
    console = readme_blocks("Quickstart", "console")[0]
    assert "$ enspace emulator --demo-data\n" in console
    enspace = Path(sys.executable).with_name("enspace")  # the console script pip installed
    server = await asyncio.create_subprocess_exec(
        enspace, "emulator", "--port", "0", "--demo-data", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        async with asyncio.timeout(30):
            printed = [(await server.stdout.readline()).decode() for _ in range(4)]
        shown = console.splitlines()[2:6]  # the README's copy of them, key and port elided
        assert [line.split("=")[0] for line in printed] == [line.split("=")[0] for line in shown]
        assert printed[3] == shown[3] + "\n"  # the workspace
        exports = "".join(printed[1:])  # pasted into another shell, as the README says
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENSPACE_")}
        shell = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            f'{exports}exec "{sys.executable}" -X dev -W error -',
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            out, err = await shell.communicate(readme_blocks("Quickstart", "python")[0].encode())
    finally:
        server.terminate()
        await server.wait()
    assert shell.returncode == 0, err.decode()
    assert err == b""
    lines = out.decode().splitlines()
    assert lines[0] == "Contracts 250 items"
    assert re.fullmatch(r"created CON[0-9A-F]+ 20\d\d-\d\d-\d\d .+", lines[1])
    assert len(lines) == 2 + 3 + 2
    assert lines[-2] == "1 found by search"
    assert lines[-1].startswith("404 Not Found: item 'NOPE' not found (request_id=")


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_readme_testing_your_code_runs_in_both_modes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    [with_fixtures, without] = readme_blocks("Testing your code", "python")
    [config] = readme_blocks("Testing your code", "toml")
    files = {"test_fixtures": with_fixtures}
    options = ["-p", "no:cacheprovider", "-W", "error"]
    if mode == "auto":
        files["test_without"] = without  # an unmarked test of its own: auto mode only
    else:  # the default mode, with the plugins loaded as the README says when autoload is off
        config = "\n".join(line for line in config.splitlines() if "asyncio_mode" not in line)
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        options += ["-p", "asyncio", "-p", "enspace_async"]
    pytester.makepyprojecttoml(config)
    pytester.makepyfile(**files)
    pytester.runpytest_subprocess(*options, timeout=120).assert_outcomes(passed=len(files))
