"""Quickstart: a type with typed fields, then items created, listed, counted, updated, deleted.

Run it anywhere with ``python examples/quickstart.py``: it starts the ENSPACE emulator in this
process on 127.0.0.1, so no account or key is needed. With ``ENSPACE_API_KEY`` and
``ENSPACE_WORKSPACE_ID`` set, the same code runs against the real API through
``EnspaceClient.from_env()`` (it creates two types, ``qs-suppliers`` and ``qs-contracts``, and
deletes them at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from enspace_async import EnspaceClient, NotFoundError
from enspace_async.models import Currency, FieldType, Relation
from enspace_async.testing import EnspaceEmulator

SUPPLIERS, CONTRACTS = "qs-suppliers", "qs-contracts"
ROWS = [
    ("Cleaning Recife", "Recife", 3750.25),
    ("IT support", "São Paulo", 12000.0),
    ("Security Recife", "Recife", 8400.0),
]


async def tour(client: EnspaceClient) -> None:
    """Walk through the everyday calls on ``client``'s workspace."""
    await client.types.create(name="Suppliers", slug=SUPPLIERS)
    await client.fields.create(SUPPLIERS, name="Name", slug="name", type=FieldType.INPUT_TEXT)
    await client.types.create(name="Contracts", slug=CONTRACTS, icon="file-text")
    for name, slug, kind in [
        ("Title", "title", FieldType.INPUT_TEXT),
        ("City", "city", FieldType.INPUT_TEXT),
        ("Amount", "amount", FieldType.CURRENCY),
        ("Supplier", "supplier", FieldType.RELATION),
    ]:
        await client.fields.create(CONTRACTS, name=name, slug=slug, type=kind, required=True)
    fields = [f"{f.refId}:{f.type}" async for f in client.fields.list(CONTRACTS)]
    print(f"type {CONTRACTS}: {', '.join(fields)}")

    acme = await client.items.create(SUPPLIERS, {"name": "ACME Serviços Ltda"})
    supplier = Relation(id=acme.id, reference=acme.reference)
    for title, city, amount in ROWS:
        data = {"title": title, "city": city, "amount": Currency(currency="BRL", value=amount)}
        item = await client.items.create(CONTRACTS, data | {"supplier": supplier})
        print(f"created {item.reference} {title!r}")

    recife = {"data.city": "Recife"}
    async for row in client.items.list(CONTRACTS, filters=recife, sort="id:desc"):
        price = row.value("amount", Currency)
        print(f"Recife: {row.reference} {row.data['title']} {price.currency} {price.value:.2f}")
    print(f"count Recife: {await client.items.count(CONTRACTS, filters=recife)}")

    contract = await client.items.get(CONTRACTS, item.reference)
    print(f"got {contract.reference}: supplier {contract.value('supplier', Relation).reference}")
    price = contract.value("amount", Currency)
    raised = Currency(currency=price.currency, value=round(price.value * 1.1, 2))
    contract = await client.items.update(CONTRACTS, contract.reference, {"amount": raised})
    print(f"updated {contract.reference}: amount {contract.value('amount', Currency).value:.2f}")
    await client.items.delete(CONTRACTS, contract.reference)
    try:
        await client.items.get(CONTRACTS, contract.reference)
    except NotFoundError as error:  # str(error) also names the request_id
        print(f"deleted {contract.reference}; get -> {error.status} {error.message}")


async def main() -> None:
    """Run the tour on the real API when a key is set, else on an in-process emulator."""
    if os.environ.get("ENSPACE_API_KEY"):
        async with EnspaceClient.from_env() as client:
            try:
                await tour(client)
            finally:  # leave the workspace as it was
                for slug in (CONTRACTS, SUPPLIERS):
                    with contextlib.suppress(NotFoundError):
                        await client.types.delete(slug)
        return
    async with EnspaceEmulator(seed=0) as emulator, emulator.client() as client:
        await tour(client)
    print("done")


if __name__ == "__main__":
    asyncio.run(main())
