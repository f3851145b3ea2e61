"""The benchmark harness runs, prints one table, writes JSON, and survives a failing module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from benchmarks import _harness

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "decode", "--output", output],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert table[0].startswith("| Benchmark | Case | Ours | Baseline | Ratio |")
    assert len(table) == 2 + 4  # header, rule, one row per contender we compare against
    assert "vs pydantic v2" in done.stdout
    result = json.loads(output.read_text())
    assert result["meta"]["quick"] is True
    assert result["meta"]["modules"] == ["decode"]
    assert result["failed"] == []
    for row in result["rows"]:
        assert set(_harness.ROW_KEYS) <= set(row)
        assert row["benchmark"] == "decode page"
        assert row["ours"] > 0
        assert row["ratio"] == pytest.approx(row["ours"] / row["baseline"])


def test_discover_finds_every_module_and_filters() -> None:
    names = _harness.discover()
    assert {"decode", "client_cost", "export"} <= set(names)
    assert _harness.discover(["bench_decode"]) == ["decode"]
    with pytest.raises(SystemExit, match="unknown benchmark"):
        _harness.discover(["nope"])


def test_a_failing_module_becomes_an_error_row(capsys: pytest.CaptureFixture[str]) -> None:
    rows, ok = _harness.run_module("does_not_exist", quick=True)
    assert not ok
    assert rows[0]["benchmark"] == "does_not_exist"
    assert rows[0]["met"] is None
    assert "ModuleNotFoundError" in rows[0]["note"]
    assert "Traceback" in capsys.readouterr().err


def test_secrets_are_redacted_everywhere() -> None:
    _harness.register_secret("s3cr3t-value")
    key = "en." + "A1" * 17
    rows = [{"note": f"failed with s3cr3t-value and {key}", "extra": {"argv": [key]}}]
    text = json.dumps(_harness.redact(rows))
    assert "s3cr3t-value" not in text
    assert key not in text
    assert "en.***" in text


def test_table_shows_single_values_and_escapes_pipes() -> None:
    rows = [
        {"benchmark": "emulator", "case": "a|b", "value": 1234.5, "unit": "req/s", "met": True},
        {"benchmark": "x", "case": "y", "ours": 2.5, "baseline": 1.25, "ratio": 2.0, "met": False},
    ]
    lines = _harness.render_table(rows).splitlines()
    assert lines[2] == "| emulator | a\\|b | 1,234 req/s |  |  |  | yes |  |"
    assert lines[3] == "| x | y | 2.50 | 1.25 | 2.00x |  | **no** |  |"


def _fake_module(monkeypatch: pytest.MonkeyPatch, name: str, run: object) -> None:
    module = types.ModuleType(f"benchmarks.bench_{name}")
    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_a_module_that_raises_or_returns_junk_fails_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "en." + "Zq" * 17

    def broken(quick: bool) -> list[dict[str, object]]:
        raise RuntimeError(f"server never answered: ENSPACE_EMULATOR key={key}")

    _fake_module(monkeypatch, "broken", broken)
    _fake_module(monkeypatch, "junk", lambda quick: "not rows")
    _fake_module(monkeypatch, "fine", lambda quick: [{"case": "c", "value": 1, "extra_key": 2}])
    rows, failed = _harness.run_modules(["broken", "junk", "fine"], quick=True)
    assert failed == ["broken", "junk"]
    assert rows[0]["note"] == "RuntimeError: server never answered: ENSPACE_EMULATOR key=en.***"
    assert key not in capsys.readouterr().err
    assert "TypeError: run() must return a list of dicts" in rows[1]["note"]
    assert rows[2]["benchmark"] == "fine"
    assert rows[2]["extra"] == {"extra_key": 2}


def test_a_module_that_hangs_is_stopped_by_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def hangs(quick: bool) -> list[dict[str, object]]:
        time.sleep(30)  # interrupted by the harness's alarm after 0.2 s
        return []

    _fake_module(monkeypatch, "hangs", hangs)
    started = time.monotonic()
    rows, ok = _harness.run_module("hangs", quick=True, timeout=0.2)
    assert not ok
    assert time.monotonic() - started < 5
    assert rows[0]["note"].startswith("benchmarks._harness.ModuleTimeout: no result within 0.2 s")


def test_serve_parses_the_ready_line_and_stops_the_server() -> None:
    from benchmarks._server import make_api_key, serve

    key = make_api_key()
    assert len(key) == 37
    assert key.startswith("en.")
    assert _harness.redact(f"key {key}") == "key ***"
    script = (
        "import sys, time; print('starting'); "
        "print('ENSPACE_EMULATOR url=http://127.0.0.1:9/ key=' + sys.argv[1] + ' workspace=w', "
        "flush=True); time.sleep(60)"
    )
    with serve([sys.executable, "-c", script, key], api_key=key) as server:
        assert server.url == "http://127.0.0.1:9"
        assert server.workspace == "w"
        assert server.headers()["x-api-key"] == key
        assert key not in repr(server)
        pid = server.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_serve_reports_a_server_that_dies_before_it_is_ready() -> None:
    from benchmarks._server import serve

    script = "print('no such option: --latency'); raise SystemExit(2)"
    with (
        pytest.raises(RuntimeError, match="exited before it was ready: no such option"),
        serve([sys.executable, "-c", script], api_key="k"),
    ):
        pass  # pragma: no cover
