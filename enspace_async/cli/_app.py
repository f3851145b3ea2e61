"""The ``enspace`` command line (typer + rich; ``pip install enspace-async[cli]``).

Connection settings come from ``--api-key``/``--url``/``--workspace`` or the environment
variables ``ENSPACE_API_KEY``, ``ENSPACE_API_URL`` and ``ENSPACE_WORKSPACE_ID``. A mistake the
user can fix (a missing file, an unknown type, a bad key, no API key) prints one line on
standard error and exits with 1 — never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from .._bulk import BulkResult
from .._client import EnspaceClient
from .._errors import EnspaceError
from ._files import FileFormatError
from ._jobs import (
    UserError,
    check_concurrency,
    check_on_existing,
    check_source,
    checkpoint_path,
    export_items,
    field_kinds,
    import_file,
    parse_shard,
)

__all__ = ["app"]

T = TypeVar("T")

app = typer.Typer(
    name="enspace",
    help="Import, export and inspect ENSPACE items; run the emulator and its demo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ApiKey = Annotated[
    str | None,
    typer.Option("--api-key", envvar="ENSPACE_API_KEY", help="API key.", show_default=False),
]
Url = Annotated[str | None, typer.Option("--url", envvar="ENSPACE_API_URL", help="API base URL.")]
Workspace = Annotated[
    str | None,
    typer.Option("--workspace", "-w", envvar="ENSPACE_WORKSPACE_ID", help="Workspace slug."),
]
TypeSlug = Annotated[str, typer.Option("--type", "-t", help="The type (category) slug.")]
Concurrency = Annotated[int, typer.Option("--concurrency", "-c", help="Requests in flight.")]
IMPORT_CONCURRENCY = 32


def err_console() -> Console:
    """The console for progress bars and errors: standard error."""
    return Console(stderr=True)


def connect(api_key: str | None, url: str | None, workspace: str | None) -> EnspaceClient:
    """Build a client from the flags, falling back to the ``ENSPACE_*`` variables."""
    settings: dict[str, Any] = {"api_key": api_key, "workspace": workspace}
    if url:
        settings["base_url"] = url
        settings["allow_insecure_http"] = True  # loopback emulators; the user chose the URL
    return EnspaceClient(**settings)


_USER_ERRORS = (UserError, EnspaceError, FileFormatError, OSError)


def fail(exc: BaseException) -> typer.Exit:
    """Print ``exc`` as one ``error:`` line on standard error; return the exit to raise."""
    err_console().print(f"[red]error:[/red] {_one_line(exc)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def run(job: Callable[[], Awaitable[T]]) -> T:
    """Run a command's coroutine; turn user mistakes into one line and exit code 1."""
    try:
        return asyncio.run(_call(job))
    except _USER_ERRORS as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        err_console().print("interrupted", highlight=False)
        raise typer.Exit(130) from None


async def _call(job: Callable[[], Awaitable[T]]) -> T:
    return await job()


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return " ".join(str(exc).split()) or type(exc).__name__


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A .csv or .jsonl file of rows.")],
    type_slug: TypeSlug,
    key: Annotated[
        str | None, typer.Option("--key", "-k", help="Field whose value identifies a row.")
    ] = None,
    on_existing: Annotated[
        str | None,
        typer.Option(
            "--on-existing",
            help="With --key, an item that has the row's key: skip (default), update or fail.",
            show_default=False,
        ),
    ] = None,
    concurrency: Concurrency = IMPORT_CONCURRENCY,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a stopped import.")] = False,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Journal file (default: beside FILE).")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl.")] = None,
    shard: Annotated[
        str | None,
        typer.Option("--shard", help="Import part I of N (0/4 ... 3/4): N workers split FILE."),
    ] = None,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
) -> None:
    """Import rows from a CSV or JSON Lines file, with a live progress bar."""
    console = err_console()
    try:
        source_format = check_source(file, fmt)
        part = parse_shard(shard)
        existing = check_on_existing(key, on_existing)
    except _USER_ERRORS as exc:
        raise fail(exc) from None
    again = ["enspace", "import", str(file), "--type", type_slug, *_given("--key", key)]
    again += _given("--on-existing", on_existing)
    if concurrency != IMPORT_CONCURRENCY:
        again += ["--concurrency", str(concurrency)]
    again += [*_given("--checkpoint", checkpoint), *_given("--format", fmt)]
    again += [*_given("--shard", shard), *_unless_env("--url", url, "ENSPACE_API_URL")]
    again += [*_unless_env("--workspace", workspace, "ENSPACE_WORKSPACE_ID"), "--resume"]

    async def job() -> BulkResult:
        check_concurrency(concurrency)
        async with connect(api_key, url, workspace) as client:
            return await import_file(
                client,
                console,
                file,
                type_slug=type_slug,
                key=key,
                concurrency=concurrency,
                resume=resume,
                checkpoint=checkpoint,
                fmt=source_format,
                shard=part,
                on_existing=existing,
            )

    try:
        result = run(job)
    except typer.Exit as stop:
        if stop.exit_code == 130 and checkpoint_path(file, type_slug, checkpoint, part).exists():
            print_resume(console, again)
        raise
    print_result(console, result)
    if not result.ok:
        print_resume(console, again)
        if result.unknown and key is None:
            console.print(
                "rows whose outcome is unknown are reported on every resume: without --key "
                "they cannot be looked up, so check them in ENSPACE",
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(1)


def _given(flag: str, value: object) -> list[str]:
    return [] if value is None else [flag, str(value)]


def _unless_env(flag: str, value: str | None, variable: str) -> list[str]:
    return [] if value == os.environ.get(variable) else _given(flag, value)


def print_resume(console: Console, argv: list[str]) -> None:
    """Print the exact command that resumes an import (never the API key)."""
    console.print(f"resume with: {shlex.join(argv)}", highlight=False, soft_wrap=True)


def print_result(console: Console, result: BulkResult) -> None:
    """Print a job's counts and its first failed or unknown rows."""
    rate = result.done / result.elapsed if result.elapsed else 0.0
    console.print(
        f"created {result.created} · failed {result.failed} · unknown {result.unknown} · "
        f"skipped {result.skipped} · existing {result.existing} · updated {result.updated} · "
        f"recovered {result.recovered} · {result.elapsed:.1f} s · {rate:.0f} rows/s",
        highlight=False,
        soft_wrap=True,
    )
    for error in result.errors[:10]:
        outcome = "unknown: " if error.unknown else ""
        line = f"  row {error.index} (key {error.key!r}): {outcome}{error.error}"
        console.print(line, highlight=False, soft_wrap=True)
    if len(result.errors) > 10:
        console.print(f"  … and {len(result.errors) - 10} more", highlight=False)


@app.command("export")
def export_command(
    type_slug: TypeSlug,
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    concurrency: Concurrency = 8,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
) -> None:
    """Export every item of a type as JSON Lines or CSV."""
    console = err_console()

    async def job() -> int:
        check_concurrency(concurrency)
        async with connect(api_key, url, workspace) as client:
            return await export_items(
                client,
                console,
                type_slug=type_slug,
                fmt=fmt,
                output=output,
                concurrency=concurrency,
            )

    count = run(job)
    console.print(f"exported {count} items", highlight=False)


@app.command("codegen")
def codegen_command(
    type_slugs: Annotated[
        list[str],
        typer.Option("--type", "-t", help="A type slug, or slug=ClassName (repeat for several)."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Python file to write (default: stdout).")
    ] = None,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
) -> None:
    """Write typed item models (frozen attrs classes) generated from the types' fields."""
    from .._codegen import generate_for

    argv = ["enspace", "codegen", *(a for t in type_slugs for a in ("--type", t))]
    command = shlex.join([*argv, *_given("-o", output and output.name)])

    async def job() -> str:
        async with connect(api_key, url, workspace) as client:
            return await generate_for(client, type_slugs, command)

    text = run(job)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    err_console().print(
        f"wrote {output} ({len(type_slugs)} types)", highlight=False, soft_wrap=True
    )


@app.command("types")
def types_command(api_key: ApiKey = None, url: Url = None, workspace: Workspace = None) -> None:
    """List the types of the workspace."""

    async def job() -> Table:
        table = Table("slug", "name", "items")
        async with connect(api_key, url, workspace) as client:
            async for item_type in client.types.list():
                count = await client.items.count(item_type.slug)
                table.add_row(item_type.slug, item_type.name, str(count))
        return table

    Console().print(run(job))


@app.command("count")
def count_command(
    type_slug: TypeSlug, api_key: ApiKey = None, url: Url = None, workspace: Workspace = None
) -> None:
    """Print how many items a type has."""

    async def job() -> int:
        async with connect(api_key, url, workspace) as client:
            await field_kinds(client, type_slug)
            return await client.items.count(type_slug)

    typer.echo(run(job))


@app.command(
    "emulator",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def emulator_command(ctx: typer.Context) -> None:
    """Run the ENSPACE emulator (the options of ``python -m enspace_async.testing``)."""
    from ..testing.__main__ import main as emulator_main

    try:
        emulator_main(list(ctx.args))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command("demo")
def demo_command(
    rows: Annotated[int, typer.Option("--rows", "-n", help="Rows to import.")] = 10_000,
    rate_limit: Annotated[
        float, typer.Option("--rate-limit", help="Emulator limit, requests per second.")
    ] = 1500.0,
    concurrency: Concurrency = 32,
    seed: Annotated[int, typer.Option("--seed", help="Seed of data and faults.")] = 0,
    faults: Annotated[bool, typer.Option("--faults/--no-faults", help="Inject faults.")] = True,
) -> None:
    """Import and export rows on an in-process emulator with a rate limit and faults."""
    from ._demo import DemoSettings, run_demo

    console = Console()
    settings = DemoSettings(rows, rate_limit, concurrency, seed, faults)
    if rows < 1 or rate_limit <= 0:
        raise fail(UserError("--rows and --rate-limit must be positive"))
    report = run(lambda: run_demo(settings, console))
    if not report.passed:
        raise typer.Exit(1)
