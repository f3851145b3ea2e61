"""Find the ``bench_*.py`` modules, run them in one process, print one table, write JSON.

The contract for a benchmark module ``benchmarks/bench_<name>.py``::

    def run(quick: bool) -> list[dict[str, object]]: ...

Each row is a dict with keys among :data:`ROW_KEYS`:

- ``benchmark`` (defaults to the module's name) and ``case``: what was measured;
- ``ours`` and ``baseline``: the two measurements compared, in ``unit``; ``ratio`` is
  ``ours / baseline`` unless the module says otherwise in ``target``/``note``;
- ``value``: a single measurement with no baseline (requests per second, megabytes…);
- ``target``: the goal as text (``"≤ 1.3x"``), ``met``: ``True``/``False``/``None``;
- ``note``: anything a reader needs to trust the number.

A module that raises, cannot be imported or outlives ``--timeout`` does not stop the run: it becomes one row whose
note carries the error, and the exit status is 1. Known secrets and anything that looks like
an API key are redacted from the table and the JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import math
import os
import platform
import re
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "ROW_KEYS",
    "discover",
    "main",
    "redact",
    "register_secret",
    "render_table",
    "run_modules",
]

ROW_KEYS = (
    "benchmark",
    "case",
    "ours",
    "baseline",
    "ratio",
    "value",
    "unit",
    "target",
    "met",
    "note",
)
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = PACKAGE_DIR / "results.json"
QUICK_TIMEOUT = 120.0
FULL_TIMEOUT = 900.0
_KEY_PATTERN = re.compile(r"\ben\.[A-Za-z0-9]{16,}")
_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Make sure ``value`` never shows in the table or the JSON."""
    if value:
        _SECRETS.add(value)


def redact(value: Any) -> Any:
    """Return ``value`` (rows, strings, nested lists and dicts) with secrets replaced."""
    if isinstance(value, str):
        for secret in _SECRETS | _env_secrets():
            value = value.replace(secret, "***")
        return _KEY_PATTERN.sub("en.***", value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _env_secrets() -> set[str]:
    key = os.environ.get("ENSPACE_API_KEY")
    return {key} if key else set()


def discover(only: Sequence[str] = ()) -> list[str]:
    """Return the names of the benchmark modules (``decode`` for ``bench_decode.py``), sorted.

    Raises:
        SystemExit: a name in ``only`` matches no module.
    """
    names = sorted(p.stem.removeprefix("bench_") for p in PACKAGE_DIR.glob("bench_*.py"))
    if not only:
        return names
    wanted = [n.removeprefix("bench_").removesuffix(".py") for n in only]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; available: {names}")
    return [n for n in names if n in wanted]


class ModuleTimeout(Exception):
    """A benchmark module ran longer than ``--timeout``."""


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ModuleTimeout` in the main thread after ``seconds`` (Unix only)."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise ModuleTimeout(f"no result within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_module(
    name: str, quick: bool, timeout: float | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Run one module; return its rows and whether it succeeded."""
    try:
        with _deadline(timeout):
            module = importlib.import_module(f"{__package__}.bench_{name}")
            rows = module.run(quick)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise TypeError(f"run() must return a list of dicts, got {type(rows).__name__}")
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        print(redact(traceback.format_exc()), file=sys.stderr)
        row = {"benchmark": name, "case": "(module failed)", "met": None, "note": redact(detail)}
        return [row], False
    return [_normalise(name, row) for row in rows], True


def _normalise(name: str, row: dict[str, Any]) -> dict[str, Any]:
    known = {key: row.get(key) for key in ROW_KEYS}
    known["benchmark"] = known["benchmark"] or name
    extra = {k: v for k, v in row.items() if k not in ROW_KEYS}
    if extra:
        known["extra"] = extra
    return known


def run_modules(
    names: Sequence[str], quick: bool, timeout: float | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Run ``names`` one after the other; return all rows and the names that failed."""
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in names:
        print(f"[benchmarks] running {name}{' (quick)' if quick else ''}…", file=sys.stderr)
        started = time.perf_counter()
        module_rows, ok = run_module(name, quick, timeout)
        elapsed = time.perf_counter() - started
        print(f"[benchmarks] {name}: {len(module_rows)} rows in {elapsed:.1f} s", file=sys.stderr)
        rows.extend(module_rows)
        if not ok:
            failed.append(name)
    return rows, failed


def _number(value: Any, unit: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        text = f"{value:,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:#.3g}"
    return f"{text} {unit}" if unit else text


def _ratio(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.2f}x"
    return "" if value is None else str(value)


def _met(value: Any) -> str:
    return {True: "yes", False: "**no**"}.get(value, "-") if isinstance(value, bool) else "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def render_table(rows: Sequence[dict[str, Any]]) -> str:
    """Render rows as one Markdown table: a single measurement shows in the "Ours" column."""
    header = ["Benchmark", "Case", "Ours", "Baseline", "Ratio", "Target", "Met", "Note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        unit = row.get("unit")
        ours = row.get("ours") if row.get("ours") is not None else row.get("value")
        cells = [
            str(row.get("benchmark") or ""),
            str(row.get("case") or ""),
            _number(ours, unit),
            _number(row.get("baseline"), unit),
            _ratio(row.get("ratio")),
            str(row.get("target") or ""),
            _met(row.get("met")),
            str(row.get("note") or ""),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _meta(args: argparse.Namespace, names: Sequence[str], started: float) -> dict[str, Any]:
    return {
        "command": "python -m benchmarks" + (" --quick" if args.quick else ""),
        "quick": args.quick,
        "modules": list(names),
        "started_utc": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 2),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves it runs")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only this module"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"JSON file ({DEFAULT_OUTPUT.name})"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds one module may run before it is recorded as failed "
        f"(default {QUICK_TIMEOUT:g} with --quick, {FULL_TIMEOUT:g} without)",
    )
    parser.add_argument("--list", action="store_true", help="list the modules and exit")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; exit status 1 when a module failed (timings never fail the run)."""
    args = parse_args(argv)
    names = discover(args.only)
    if args.list:
        print("\n".join(names))
        return 0
    started = time.time()
    timeout = args.timeout or (QUICK_TIMEOUT if args.quick else FULL_TIMEOUT)
    rows, failed = run_modules(names, args.quick, timeout)
    rows = redact(rows)
    print(render_table(rows))
    result = {"meta": _meta(args, names, started), "failed": failed, "rows": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(redact(result), indent=2, default=str) + "\n")
    print(f"\n[benchmarks] wrote {args.output}", file=sys.stderr)
    return 1 if failed else 0
