"""Local validation: what checking rows against the type's schema costs, next to the import.

**Rows per CPU second** — N rows (100,000 in full mode) of the demo type's twelve fields (text,
email, number, currency, dropdown, multi-select, switch, date, address, file, chips):
``schema.validate(row)``, the work ``bulk_create(validate=True)`` adds per row; and, as
``enspace import`` reads a CSV, ``schema.from_text(cells)`` first, every cell text as a pt-BR
spreadsheet writes it (``1.234,5``, ``R$ 9,50``, ``sim``). Timed with ``time.process_time``.

**Share of the import's CPU** — the same rows imported with ``bulk_create(validate=False)``
into the emulator running in its own process (no rate limit), timed with ``process_time`` in
this process, so the import's CPU is the client's alone (requests over real HTTP on loopback);
the share is the validation's CPU per row over the import's. Target: under 5 %. The note also
gives the measured difference of a ``validate=True`` run.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson

from enspace_async import TextFormat, TypeSchema
from enspace_async._converter import structure
from enspace_async.models import Field
from enspace_async.testing._demo import DEFAULT_FIELDS, field_specs

from ._server import Server, emulator

__all__ = ["run"]

TARGET_SHARE = 0.05
BR = TextFormat.pt_br()  # the cells are written as a Brazilian spreadsheet writes them


def _schema() -> TypeSchema:
    rows = [{"id": n, "refId": spec["name"], **spec} for n, spec in enumerate(field_specs(None), 1)]
    return TypeSchema.of("contracts", structure(rows, list[Field]))


def _cells(n: int) -> dict[str, str]:
    money = orjson.dumps({"currency": "BRL", "value": n + 0.5}).decode()
    place = orjson.dumps({"city": "Recife", "number": str(n)}).decode()
    return {
        "title": f"Contract {n}",
        "description": f"Renewal for client {n}.",
        "email": f"user{n}@example.com",
        "amount": f"{n * 1000:,}".replace(",", ".") + ",5",
        "price": money if n % 2 else f"R$ {n},50",
        "priority": ("low", "medium", "high", "urgent")[n % 4],
        "tags": "low|high",
        "active": "sim" if n % 2 else "false",
        "due_date": f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        "address": place,
        "attachment": orjson.dumps({"url": f"https://f.example/{n}.txt"}).decode(),
        "labels": "a|b",
    }


def _cpu(work: Any, rows: list[Any]) -> float:
    started = time.process_time()
    for row in rows:
        work(row)
    return time.process_time() - started


async def _import(server: Server, rows: list[dict[str, Any]], validate: bool) -> float:
    async with server.client() as client:
        await client.types.schema("contracts")  # cached: the job's own lookup costs nothing
        started = time.process_time()
        result = await client.items.bulk_create("contracts", rows, validate=validate)
        seconds = time.process_time() - started
    if result.created != len(rows):
        raise RuntimeError(f"created {result.created} of {len(rows)}")
    return seconds


def run(quick: bool) -> list[dict[str, object]]:
    """Validate N text rows, then import them without validation; compare CPU per row."""
    assert set(DEFAULT_FIELDS) == set(_cells(0))
    count = 10_000 if quick else 100_000
    schema = _schema()
    texts = [_cells(n) for n in range(count)]
    values = [schema.from_text(t, BR) for t in texts]
    problems = sum(len(schema.validate(v)) for v in values)
    if problems:
        raise RuntimeError(f"{problems} problems in rows that should all fit")
    checking = _cpu(schema.validate, values)
    converting = _cpu(lambda t: schema.validate(schema.from_text(t, BR)), texts)
    imported = values[: 2_000 if quick else 10_000]
    with emulator(demo_data=True) as server:
        import_seconds = asyncio.run(_import(server, imported, validate=False))
        checked_seconds = asyncio.run(_import(server, imported, validate=True))
    import_per_row = import_seconds / len(imported)
    share = checking / count / import_per_row
    added = checked_seconds / import_seconds - 1
    note = (
        f"{len(schema.fields)} fields; import: {len(imported):,} rows into the emulator in its "
        f"own process; a validate=True import measured {added:+.1%} CPU (noise included)"
    )
    return [
        {
            "benchmark": "schema validation",
            "case": f"validate, {count:,} rows",
            "value": round(count / checking),
            "unit": "rows per CPU second",
            "note": note,
        },
        {
            "benchmark": "schema validation",
            "case": f"from_text (CSV cells, pt-BR) + validate, {count:,} rows",
            "value": round(count / converting),
            "unit": "rows per CPU second",
            "note": f"the CSV conversion ({converting / count * 1e6:.1f} µs a row) was paid before too",
        },
        {
            "benchmark": "schema validation",
            "case": "validation's share of the import's CPU per row",
            "ours": round(checking / count * 1e6, 2),
            "baseline": round(import_per_row * 1e6, 1),
            "ratio": round(share, 3),
            "unit": "µs CPU per row",
            "target": f"< {TARGET_SHARE:.0%}",
            "met": share < TARGET_SHARE,
            "note": "ours: schema.validate; baseline: bulk_create(validate=False)",
        },
    ]
