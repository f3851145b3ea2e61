"""Incremental sync worker: copy what changed since the last run, for two workspaces at once.

Shows ``client.items.changes_since`` (pages by ``(updated_at, id)``: rows sharing a timestamp are
never skipped or repeated), a cursor saved after every row so a new run, even after a crash,
resumes exactly where the last stopped, and ``with_workspace`` views sharing one client (one pool,
one rate limiter). On the in-process emulator: ``python examples/sync_worker.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from enspace_async import EnspaceClient
from enspace_async.models import Item
from enspace_async.testing import EnspaceEmulator

TYPE = "contracts"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CursorStore:
    """The last ``(updated_at, id)`` synced per workspace, in a JSON file written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cursors: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}

    def get(self, workspace: str) -> tuple[datetime, int | None]:
        """Return where to resume: ``(since, after_id)``; the epoch on a first run."""
        saved = self.cursors.get(workspace)
        return (datetime.fromisoformat(saved[0]), saved[1]) if saved else (EPOCH, None)

    def save(self, workspace: str, item: Item) -> None:
        """Record ``item`` as the last row synced (write-then-rename: a crash never tears it)."""
        assert item.updated_at is not None
        self.cursors[workspace] = [item.updated_at.isoformat(), item.id]
        self.path.with_suffix(".tmp").write_text(json.dumps(self.cursors))
        os.replace(self.path.with_suffix(".tmp"), self.path)


async def sync(client: EnspaceClient, store: CursorStore, replica: dict[str, Any]) -> int:
    """Copy the items of ``client``'s workspace changed since its cursor; return how many."""
    workspace, copied = client.workspace or "", 0
    since, after_id = store.get(workspace)
    async for item in client.items.changes_since(TYPE, since, after_id=after_id):
        replica[f"{workspace}/{item.reference}"] = item.data  # your database write goes here
        store.save(workspace, item)
        copied += 1
    return copied


async def run(views: list[EnspaceClient], store: CursorStore, replica: dict[str, Any]) -> str:
    """Sync every workspace concurrently over the one shared session."""
    counts = await asyncio.gather(*(sync(view, store, replica) for view in views))
    return ", ".join(f"{view.workspace}={n}" for view, n in zip(views, counts, strict=True))


async def main() -> None:
    """Sync two workspaces, let others write, then sync again with a fresh worker."""
    async with EnspaceEmulator(seed=1) as emulator:
        emulator.add_workspace("globex")
        for workspace in ("acme", "globex"):
            emulator.seed_type(TYPE, items=150, workspace=workspace)
        with tempfile.TemporaryDirectory() as tmp:
            replica: dict[str, Any] = {}
            # For real: EnspaceClient.from_env(), then client.with_workspace(slug) per workspace.
            async with emulator.client() as client:
                views = [client.with_workspace(slug) for slug in ("acme", "globex")]
                print(f"run 1: {await run(views, CursorStore(Path(tmp) / 'c.json'), replica)}")
                acme, globex = views
                for item in await acme.items.list(TYPE, sort="id:asc").collect(limit=3):
                    await acme.items.update(TYPE, item.reference, {"title": "Renegotiated"})
                await globex.items.create(TYPE, {"title": "New contract", "amount": 1200})
                # A new worker process would start here: it only has the cursor file.
                print(f"run 2: {await run(views, CursorStore(Path(tmp) / 'c.json'), replica)}")
                print(f"run 3: {await run(views, CursorStore(Path(tmp) / 'c.json'), replica)}")
            print(f"replica rows: {len(replica)}; requests: {len(emulator.requests)}")


if __name__ == "__main__":
    asyncio.run(main())
