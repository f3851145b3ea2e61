"""``enspace demo``: the whole bulk story on an in-process emulator, in well under a minute.

It starts the emulator with a rate limit (1,500 requests/s by default: the client must pace
itself) and seeded faults — connection resets before and after a create is applied, 503s on
creates and on list pages — creates a type with realistic fields, imports generated rows by key
with a progress bar, exports them back, and prints a table. It passes (exit code 0) only when
the export holds every row exactly once: no duplicate, nothing missing.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import attrs
from rich.console import Console
from rich.table import Table

from .._bulk import BulkResult
from .._client import EnspaceClient
from .._middleware.retry import RetryPolicy
from ..testing import EnspaceEmulator, RateLimit
from ._progress import RowProgress, client_counters

__all__ = ["DemoReport", "DemoSettings", "run_demo"]

TYPE = "contracts"
FIELDS: dict[str, str] = {
    "code": "inputText",
    "title": "inputText",
    "customer_email": "email",
    "amount": "EnlNumber",
    "price": "EnCurrency",
    "signed": "inputSwitch",
    "due_date": "EnlCalendar",
    "labels": "EnlChips",
    "address": "EnAddress",
}
FAULTS: tuple[tuple[str, float, str], ...] = (
    ("reset_after", 0.01, "items.create"),  # applied, then the connection drops
    ("reset_before", 0.005, "items.create"),
    ("503", 0.01, "items.create"),
    ("503", 0.02, "items.list"),
)
_WORDS = ("Supply", "Service", "License", "Renewal", "Audit", "Support", "Lease", "Consulting")
_CITIES = (("São Paulo", "SP"), ("Recife", "PE"), ("Curitiba", "PR"), ("Porto Alegre", "RS"))


@attrs.frozen
class DemoSettings:
    """What the demo runs."""

    rows: int = 10_000
    rate_limit: float = 1500.0
    concurrency: int = 32
    seed: int = 0
    faults: bool = True


@attrs.frozen
class DemoReport:
    """What the demo measured."""

    rows: int
    exported: int
    duplicates: int
    missing: int
    result: BulkResult
    import_seconds: float
    export_seconds: float
    retries: int
    throttled: int
    requests: int
    faults: dict[str, int]

    @property
    def passed(self) -> bool:
        """Every row exactly once, and no row failed."""
        return self.duplicates == 0 and self.missing == 0 and self.result.ok


def generate(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """Yield ``count`` realistic contract rows, one at a time."""
    rng = random.Random(seed)
    for n in range(count):
        value = round(rng.uniform(100, 250_000), 2)
        city, state = rng.choice(_CITIES)
        yield {
            "code": f"CTR-{n:07d}",
            "title": f"{rng.choice(_WORDS)} agreement {n}",
            "customer_email": f"buyer{n}@example.com",
            "amount": rng.randint(1, 500),
            "price": {"currency": "USD", "value": value, "originalValue": value},
            "signed": rng.random() < 0.6,
            "due_date": f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "labels": rng.sample(["priority", "renewal", "legal", "finance"], 2),
            "address": {
                "street": "Rua Central",
                "number": str(n % 900 + 1),
                "city": city,
                "state": state,
                "zip": "01000-000",
                "country": "BR",
            },
        }


async def create_type(client: EnspaceClient) -> None:
    """Create the demo type and its fields."""
    await client.types.create(name="Contracts", slug=TYPE, description="enspace demo")
    for order, (ref, kind) in enumerate(FIELDS.items()):
        label = ref.replace("_", " ").title()
        await client.fields.create(TYPE, name=label, slug=ref, type=kind, order=order)


async def run_demo(settings: DemoSettings, console: Console) -> DemoReport:
    """Run the demo and print its table; return the report."""
    limit = RateLimit(per_second=settings.rate_limit)
    async with EnspaceEmulator(seed=settings.seed, rate_limit=limit) as emu:
        if settings.faults:
            for kind, rate, routes in FAULTS:
                emu.faults.add(kind, rate=rate, routes=routes)
        retry = RetryPolicy(backoff_base=0.05, max_backoff=1.0)
        async with emu.client(retry=retry) as client:
            console.print(
                f"emulator at {emu.url}: {settings.rate_limit:,.0f} requests/s per key, "
                f"faults {'on' if settings.faults else 'off'}",
                highlight=False,
            )
            await create_type(client)
            report = await _import_and_export(client, settings, console)
            report = attrs.evolve(report, faults=dict(emu.faults.counts))
    console.print(summary(report, settings))
    return report


async def _import_and_export(
    client: EnspaceClient, settings: DemoSettings, console: Console
) -> DemoReport:
    started = time.monotonic()
    with RowProgress(console, "import", settings.rows, client) as bar:
        result = await client.items.bulk_create(
            TYPE,
            generate(settings.rows, settings.seed),
            key="code",
            concurrency=settings.concurrency,
            on_progress=bar.bulk,
            keep_references=False,
        )
    imported = time.monotonic()
    seen: Counter[str] = Counter()
    with RowProgress(console, "export", settings.rows, client) as bar:
        async for item in client.items.export(TYPE, concurrency=8):
            seen[str(item.data.get("code"))] += 1
            if len(seen) % 500 == 0:
                bar.rows(len(seen), len(seen) / max(time.monotonic() - imported, 1e-9))
        bar.rows(len(seen), len(seen) / max(time.monotonic() - imported, 1e-9))
    exported = time.monotonic()
    expected = {f"CTR-{n:07d}" for n in range(settings.rows)}
    retries, throttled = client_counters(client)
    return DemoReport(
        rows=settings.rows,
        exported=sum(seen.values()),
        duplicates=sum(c - 1 for c in seen.values() if c > 1),
        missing=len(expected - set(seen)),
        result=result,
        import_seconds=imported - started,
        export_seconds=exported - imported,
        retries=retries,
        throttled=throttled,
        requests=client.stats.attempts,
        faults={},
    )


def summary(report: DemoReport, settings: DemoSettings) -> Table:
    """The demo's result table."""
    table = Table("measure", "value", title="enspace demo", title_justify="left")
    result = report.result
    rate = report.rows / report.import_seconds if report.import_seconds else 0.0
    export_rate = report.exported / report.export_seconds if report.export_seconds else 0.0
    faults = ", ".join(f"{kind} {n}" for kind, n in sorted(report.faults.items())) or "none"
    for name, value in (
        ("emulator rate limit", f"{settings.rate_limit:,.0f} requests/s"),
        ("rows imported", f"{result.created:,} in {report.import_seconds:.1f} s"),
        ("import rate", f"{rate:,.0f} rows/s"),
        ("rows exported", f"{report.exported:,} in {report.export_seconds:.1f} s"),
        ("export rate", f"{export_rate:,.0f} rows/s"),
        ("requests sent", f"{report.requests:,}"),
        ("retries", f"{report.retries:,}"),
        ("429s", f"{report.throttled:,}"),
        ("faults injected", faults),
        ("unknown outcomes resolved by key", f"{result.recovered:,}"),
        ("failed rows", f"{result.failed:,}"),
        ("duplicates", f"{report.duplicates:,}"),
        ("missing", f"{report.missing:,}"),
        ("result", "PASS" if report.passed else "FAIL"),
    ):
        table.add_row(name, value)
    return table
