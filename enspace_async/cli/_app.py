"""The ``enspace`` command line (typer + rich; ``pip install enspace-async[cli]``).

Connection settings come from ``--api-key``/``--url``/``--workspace`` or the environment
variables ``ENSPACE_API_KEY``, ``ENSPACE_API_URL`` and ``ENSPACE_WORKSPACE_ID``; ``http://``
goes only to loopback unless ``--allow-insecure-http``. Data and ``--json`` documents go to
standard output; progress, summaries and errors to standard error. A mistake the user can fix
(a missing file, an unknown type or column, a bad key, no API key) prints one line and exits
with 1 — never a traceback.
"""

from __future__ import annotations

import asyncio
import errno
import os
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .._version import __version__
from ._api import call_api, read_body
from ._files import open_source
from ._jobs import (
    IMPORT_CONCURRENCY,
    ImportJob,
    check_concurrency,
    check_file,
    check_on_existing,
    export_items,
    import_file,
    parse_shard,
    text_format,
    type_schema,
)
from ._progress import EVERY
from ._report import CheckReport, dump_json, print_import, print_resume, summary
from ._running import UserError, connect, err_console, fail, run

__all__ = ["app"]

app = typer.Typer(
    name="enspace",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no boxes, no <bool> metavars, nothing cut at 80 columns
    context_settings={"help_option_names": ["-h", "--help"]},
)

ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key", envvar="ENSPACE_API_KEY", metavar="KEY", help="API key.", show_default=False
    ),
]
Url = Annotated[
    str | None, typer.Option("--url", envvar="ENSPACE_API_URL", metavar="URL", help="API base URL.")
]
Workspace = Annotated[
    str | None,
    typer.Option(
        "--workspace", "-w", envvar="ENSPACE_WORKSPACE_ID", metavar="SLUG", help="Workspace slug."
    ),
]
Insecure = Annotated[
    bool,
    typer.Option(
        "--allow-insecure-http",
        help="Allow an http:// --url to a host that is not loopback (the key travels in clear).",
    ),
]
TypeSlug = Annotated[
    str, typer.Option("--type", "-t", metavar="SLUG", help="The type (category) slug.")
]
Concurrency = Annotated[
    int, typer.Option("--concurrency", "-c", metavar="N", help="Requests in flight.")
]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
Every = Annotated[
    float,
    typer.Option(
        "--progress-every",
        metavar="SECONDS",
        help="Seconds between progress lines when standard error is not a terminal.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"enspace-async {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version.", is_eager=True, callback=_version),
    ] = False,
) -> None:
    """Import, export and inspect ENSPACE items; call any route; run the emulator and its demo."""


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv or .jsonl file of rows.")],
    type_slug: TypeSlug,
    key: Annotated[
        str | None,
        typer.Option("--key", "-k", metavar="REFID", help="Field whose value identifies a row."),
    ] = None,
    on_existing: Annotated[
        str | None,
        typer.Option(
            "--on-existing",
            metavar="skip|update|fail",
            help="With --key, an item that has the row's key: skip (default), update or fail.",
            show_default=False,
        ),
    ] = None,
    concurrency: Concurrency = IMPORT_CONCURRENCY,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a stopped import.")] = False,
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", metavar="FILE", help="Journal file (default: beside FILE)."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", metavar="csv|jsonl", help="Default: from the suffix.")
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard", metavar="I/N", help="Import part I of N (0/4 ... 3/4): N workers split FILE."
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", metavar="NAME", help="CSV text encoding (default: UTF-8, BOM or not)."
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            metavar="CHAR",
            help="CSV delimiter: , ; or tab (default: from the header).",
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            "--locale",
            metavar="pt-BR|en-US",
            help="pt-BR: 3.750,25 numbers, dd/mm/yyyy dates, reais.",
        ),
    ] = None,
    decimal_comma: Annotated[
        bool | None,
        typer.Option(
            "--decimal-comma/--decimal-point",
            help="Numbers written 3.750,25 (or 3,750.25).",
            show_default=False,
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format", metavar="FORMAT", help="Dates as strptime reads them, e.g. %d/%m/%Y."
        ),
    ] = None,
    ignore_unknown_columns: Annotated[
        bool,
        typer.Option("--ignore-unknown-columns", help="Leave out columns that are not fields."),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help=(
                "Only read FILE and print every row that does not fit the type, by line: "
                "send no write, touch no journal; exit 1 if a row does not fit."
            ),
        ),
    ] = False,
    as_json: Json = False,
    every: Every = EVERY,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
    insecure: Insecure = False,
) -> None:
    """Import rows from a CSV or JSON Lines file, with progress on standard error.

    The whole file is read before the first write: rows that do not fit the type's fields are
    printed by line and not sent; the others are.
    """
    console = err_console()
    given: list[tuple[str, Any]] = [
        ("--key", key),
        ("--on-existing", on_existing),
        ("--concurrency", None if concurrency == IMPORT_CONCURRENCY else concurrency),
        ("--checkpoint", checkpoint),
        ("--format", fmt),
        ("--shard", shard),
        ("--encoding", encoding),
        ("--delimiter", delimiter),
        ("--locale", locale),
        ("--date-format", date_format),
        ("--url", None if url == os.environ.get("ENSPACE_API_URL") else url),
        ("--workspace", None if workspace == os.environ.get("ENSPACE_WORKSPACE_ID") else workspace),
    ]
    flags = [(decimal_comma, "--decimal-comma"), (decimal_comma is False, "--decimal-point")]
    flags += [(ignore_unknown_columns, "--ignore-unknown-columns")]
    flags += [(insecure, "--allow-insecure-http")]
    again = ["enspace", "import", str(file), "--type", type_slug]
    again += [part for flag, value in given for part in _given(flag, value)]
    again += [flag for on, flag in flags if on] + ["--resume"]
    try:
        job = ImportJob(
            source=open_source(file, fmt, encoding=encoding, delimiter=delimiter),
            type_slug=type_slug,
            key=key,
            on_existing=check_on_existing(key, on_existing),
            concurrency=check_concurrency(concurrency),
            resume=resume,
            checkpoint=checkpoint,
            shard=parse_shard(shard),
            text=text_format(locale, decimal_comma, date_format),
            ignore_unknown=ignore_unknown_columns,
            every=every,
        )
    except UserError as exc:
        raise fail(exc) from None

    report = CheckReport(console, as_json=as_json)

    async def work() -> Any:
        async with connect(api_key, url, workspace, allow_insecure_http=insecure) as client:
            if check:  # everything before the first write, and no journal
                return (await check_file(client, job, report))[2]
            return await import_file(client, console, job)

    if check:
        checked = run(work)
        report.finish(checked, file.name, type_slug)
        raise typer.Exit(1 if checked.bad_rows else 0)

    try:
        imported = run(work)
    except typer.Exit as stop:
        if stop.exit_code == 130 and job.journal.exists():
            print_resume(console, again)
        raise
    result = imported.result
    if as_json:
        dump_json(summary(imported, None if result.ok else again))
    else:
        print_import(console, imported)
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


@app.command("export")
def export_command(
    type_slug: TypeSlug,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="jsonl|csv")] = "jsonl",
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="File to write (default: stdout)."),
    ] = None,
    concurrency: Concurrency = 8,
    as_json: Json = False,
    every: Every = EVERY,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
    insecure: Insecure = False,
) -> None:
    """Export every item of a type as JSON Lines or CSV (to standard output by default).

    The summary goes to standard error; with --json it is a JSON object, on standard output
    when the items go to a file.
    """
    console = err_console()

    async def work() -> int:
        check_concurrency(concurrency)
        async with connect(api_key, url, workspace, allow_insecure_http=insecure) as client:
            return await export_items(
                client,
                console,
                type_slug=type_slug,
                fmt=fmt,
                output=output,
                concurrency=concurrency,
                every=every,
            )

    count = run(work)
    if as_json:
        to_stdout = output in (None, "-")
        dump_json({"type": type_slug, "exported": count, "output": output}, err=to_stdout)
    else:
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
    insecure: Insecure = False,
) -> None:
    """Write typed item models (frozen attrs classes) generated from the types' fields."""
    from .._codegen import generate_for

    argv = ["enspace", "codegen", *(a for t in type_slugs for a in ("--type", t))]
    command = shlex.join([*argv, *_given("-o", output and output.name)])

    async def job() -> str:
        async with connect(api_key, url, workspace, allow_insecure_http=insecure) as client:
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
def types_command(
    as_json: Json = False,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
    insecure: Insecure = False,
) -> None:
    """List the types of the workspace, with how many items each has."""

    async def work() -> list[dict[str, Any]]:
        rows = []
        async with connect(api_key, url, workspace, allow_insecure_http=insecure) as client:
            async for item_type in client.types.list():
                count = await client.items.count(item_type.slug)
                rows.append({"slug": item_type.slug, "name": item_type.name, "items": count})
        return rows

    rows = run(work)
    if as_json:
        dump_json(rows)
        return
    table = Table("slug", "name", "items")
    for row in rows:
        table.add_row(row["slug"], row["name"], str(row["items"]))
    Console().print(table)


@app.command("count")
def count_command(
    type_slug: TypeSlug,
    as_json: Json = False,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
    insecure: Insecure = False,
) -> None:
    """Print how many items a type has."""

    async def work() -> int:
        async with connect(api_key, url, workspace, allow_insecure_http=insecure) as client:
            await type_schema(client, type_slug)
            return await client.items.count(type_slug)

    count = run(work)
    if as_json:
        dump_json({"type": type_slug, "count": count})
    else:
        typer.echo(count)


@app.command("api")
def api_command(
    method: Annotated[
        str, typer.Argument(metavar="METHOD", help="GET, POST, PUT, PATCH or DELETE.")
    ],
    path: Annotated[
        str,
        typer.Argument(
            metavar="PATH", help="The route and its query: /ws/types/deals/items?_limit=5."
        ),
    ],
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            "-d",
            metavar="JSON|@FILE",
            help="The JSON body, or @FILE to read it (@- for stdin).",
        ),
    ] = None,
    api_key: ApiKey = None,
    url: Url = None,
    workspace: Workspace = None,
    insecure: Insecure = False,
) -> None:
    """Call any route of the API and print the JSON it answers (as gh api does).

    The en-workspace header is sent when a workspace is set.
    """
    try:
        body = read_body(data)
    except UserError as exc:
        raise fail(exc) from None

    async def work() -> Any:
        async with connect(api_key, url, workspace, allow_insecure_http=insecure) as client:
            return await call_api(client, method, path, body)

    answer = run(work)
    if answer is not None:
        dump_json(answer)


@app.command(
    "emulator",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,  # --help and -h go to the emulator's own options
)
def emulator_command(ctx: typer.Context) -> None:
    """Run the ENSPACE emulator on loopback (see: enspace emulator --help)."""
    from ..testing.__main__ import parse_args, serve

    args = parse_args(list(ctx.args), prog="enspace emulator")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise fail(exc) from None
        where = f"{args.host}:{args.port}"
        in_use = UserError(f"{where} is in use: pick another --port (0 picks a free one)")
        raise fail(in_use) from None


@app.command("demo")
def demo_command(
    rows: Annotated[
        int, typer.Option("--rows", "-n", metavar="N", help="Rows to import.")
    ] = 10_000,
    rate_limit: Annotated[
        float,
        typer.Option(
            "--rate-limit", metavar="PER_SECOND", help="Emulator limit, requests per second."
        ),
    ] = 1500.0,
    concurrency: Concurrency = 32,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of data and faults.")] = 0,
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
