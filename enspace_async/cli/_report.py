"""What a finished import or ``--check`` says: one summary line and its first failed rows (or
every problem) by line of the file, on standard error, or with ``--json`` one JSON object on
standard output."""

from __future__ import annotations

import shlex
from typing import Any

import orjson
import typer
from rich.console import Console

from .._schema import Problem
from ._check import Checked, print_line, problem_line
from ._jobs import Imported

__all__ = ["CheckReport", "dump_json", "print_import", "print_resume", "summary"]

_SHOWN_ERRORS = 10


def dump_json(value: Any, *, err: bool = False) -> None:
    """Write ``value`` as one JSON document to standard output (or standard error)."""
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode(), err=err)


def _rate(imported: Imported) -> float:
    result = imported.result
    return result.done / result.elapsed if result.elapsed else 0.0


def summary(imported: Imported, resume: list[str] | None) -> dict[str, Any]:
    """The import's counts, every failed or unknown row with its line, and the command that
    resumes it (``None`` when nothing is left to do)."""
    result = imported.result
    errors = [
        {
            "line": imported.lines.get(e.index),
            "key": e.key,
            "error": e.error,
            "status": e.status,
            "unknown": e.unknown,
            "retryable": e.retryable,
        }
        for e in result.errors
    ]
    counts = ("created", "failed", "unknown", "skipped", "existing", "updated", "recovered")
    return {
        "ok": result.ok,
        **{name: getattr(result, name) for name in counts},
        "seconds": round(result.elapsed, 3),
        "rows_per_second": round(_rate(imported), 1),
        "requests": imported.requests,
        "errors": errors,
        "resume": None if resume is None else shlex.join(resume),
    }


def print_import(console: Console, imported: Imported) -> None:
    """Print an import's counts and its first failed or unknown rows."""
    result = imported.result
    console.print(
        f"created {result.created} · failed {result.failed} · unknown {result.unknown} · "
        f"skipped {result.skipped} · existing {result.existing} · updated {result.updated} · "
        f"recovered {result.recovered} · {result.elapsed:.1f} s · {_rate(imported):.0f} rows/s · "
        f"{imported.requests} requests",
        highlight=False,
        soft_wrap=True,
    )
    for error in result.errors[:_SHOWN_ERRORS]:
        outcome = "unknown: " if error.unknown else ""
        where = imported.lines.get(error.index, "?")
        line = f"  line {where} (key {error.key!r}): {outcome}{error.error}"
        console.print(line, highlight=False, soft_wrap=True)
    if len(result.errors) > _SHOWN_ERRORS:
        console.print(f"  … and {len(result.errors) - _SHOWN_ERRORS} more", highlight=False)


def print_resume(console: Console, argv: list[str]) -> None:
    """Print the exact command that resumes an import (never the API key)."""
    console.print(f"resume with: {shlex.join(argv)}", highlight=False, soft_wrap=True)


class CheckReport:
    """What ``enspace import --check`` prints: each problem as it is found, then one line; with
    ``as_json`` one JSON object on standard output at the end (every problem in it)."""

    def __init__(self, console: Console, *, as_json: bool = False):
        self._console, self._json = console, as_json
        self._problems: list[dict[str, Any]] = []

    def __call__(self, line: int, problem: Problem) -> None:
        if self._json:
            entry = {"line": line, "ref_id": problem.ref_id, "message": problem.detail}
            self._problems.append(entry)
        else:
            print_line(self._console, problem_line(line, problem))

    def finish(self, checked: Checked, file_name: str, type_slug: str) -> None:
        """Print the outcome of the check."""
        if self._json:
            counts = {"rows": checked.rows, "bad_rows": checked.bad_rows}
            dump_json({"ok": not checked.bad_rows, **counts, "problems": self._problems})
            return
        found = (
            f"{checked.bad_rows:,} do not fit ({checked.problems:,} problems)"
            if checked.bad_rows
            else "every row fits"
        )
        print_line(
            self._console,
            f"checked {checked.rows:,} rows of {file_name} against type {type_slug!r}: {found}; "
            "nothing was sent",
        )
