"""Celery-style worker: plain sync task functions on a pool of threads, one SyncEnspaceClient.

Each task is an ordinary function, as a Celery or RQ task body is; eight threads stand in for
``celery worker --pool threads --concurrency 8``. The one module-level client is shared by all
of them: one connection pool, one rate limiter and one retry budget, however many threads call
it (under prefork, each child process gets its own loop and connections after the fork).
On the in-process emulator: ``python examples/celery_style_worker.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from enspace_async import SyncEnspaceClient
from enspace_async.testing import EnspaceEmulator

TYPE = "invoices"
FIELDS = {"number": "inputText", "amount": "EnlNumber", "status": "inputText"}
# For real, at import time: client = SyncEnspaceClient.from_env()
client: SyncEnspaceClient


def review_invoice(reference: str) -> str:
    """A task: read an invoice, decide, write the decision back; return it."""
    invoice = client.items.get(TYPE, reference)
    status = "approved" if float(invoice.data["amount"]) < 5000 else "needs review"
    client.items.update(TYPE, reference, {"status": status})
    return status


def nightly_report() -> dict[str, int]:
    """A task: count the invoices per status (one page at a time, never the whole list)."""
    return dict(Counter(invoice.data.get("status") or "new" for invoice in client.items.list(TYPE)))


@contextlib.contextmanager
def emulator_in_a_thread() -> Iterator[EnspaceEmulator]:
    """Serve the emulator from its own event loop, as a real API would be served elsewhere."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emulator = EnspaceEmulator(seed=3)
    emulator.seed_type(TYPE, fields=FIELDS, items=60)
    asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(10)
    try:
        yield emulator
    finally:
        asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def main() -> None:
    """Review every invoice from eight worker threads, then run the report task."""
    global client
    with emulator_in_a_thread() as emulator:
        client = SyncEnspaceClient(emulator.api_key, workspace="acme", base_url=emulator.url)
        with client:
            references = [invoice.reference for invoice in client.items.list(TYPE)]
            with ThreadPoolExecutor(8, thread_name_prefix="worker") as workers:
                decisions = Counter(workers.map(review_invoice, references))
            print(f"reviewed {sum(decisions.values())} invoices on 8 threads")
            print(f"decided: {dict(sorted(decisions.items()))}")
            print(f"report: {dict(sorted(nightly_report().items()))}")
            stats = client.stats
            print(f"one client: requests={stats.requests} retries={dict(stats.retries)}")


if __name__ == "__main__":
    main()
