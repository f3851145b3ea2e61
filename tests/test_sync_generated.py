"""The sync faces are generated, fresh, complete, and precisely typed for a user's mypy."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
import textwrap
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from enspace_async import EnspaceClient, SyncEnspaceClient
from enspace_async._resources import ResourceAccess
from enspace_async._sync import _generated

ROOT = Path(__file__).resolve().parents[1]
# EnspaceClient members the sync client spells its own way.
RENAMED = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}
# Async only for now: the generator gives raw responses no sync face for free (issue 15).
ASYNC_ONLY = {"with_raw_response"}


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_generate_sync", ROOT / "scripts/generate_sync.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_file_is_fresh() -> None:
    fresh = generator().render()
    assert fresh == Path(_generated.__file__).read_text(encoding="utf-8"), (
        "enspace_async/_sync/_generated.py is stale: run python scripts/generate_sync.py"
    )


def resources() -> list[str]:
    return [
        name for name, value in vars(ResourceAccess).items() if isinstance(value, cached_property)
    ]


def public_methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


@pytest.mark.parametrize("name", resources())
def test_every_async_resource_method_has_a_sync_face(name: str) -> None:
    client = EnspaceClient("en.k", workspace="acme")
    sync = SyncEnspaceClient("en.k", workspace="acme")
    async_cls, sync_cls = type(getattr(client, name)), type(getattr(sync, name))
    sync.close()
    assert sync_cls.__doc__ == async_cls.__doc__
    faces = public_methods(sync_cls)
    for method, function in public_methods(async_cls).items():
        assert method in faces, f"{sync_cls.__name__} lacks {method}: re-run the generator"
        ours, theirs = inspect.signature(faces[method]), inspect.signature(function)
        assert list(ours.parameters.values()) == list(theirs.parameters.values()), method
        assert (faces[method].__doc__ or "").replace("SyncPaginator", "AsyncPaginator").replace(
            "A :class:`AsyncPaginator`", "An :class:`AsyncPaginator`"
        ) == function.__doc__, method
    assert set(faces) == set(public_methods(async_cls))


def test_the_sync_client_covers_every_public_member_of_the_async_client() -> None:
    members = [m for m in dir(EnspaceClient) if not m.startswith("_") or m in RENAMED]
    members = [m for m in members if m not in ASYNC_ONLY]
    missing = [m for m in members if not hasattr(SyncEnspaceClient, RENAMED.get(m, m))]
    assert missing == []
    assert inspect.signature(SyncEnspaceClient.__init__) != inspect.signature(object.__init__)


SNIPPET = """
from enspace_async import SyncEnspaceClient

client = SyncEnspaceClient("en.x", workspace="acme")
reveal_type(client.items.get("contracts", "REF"))
reveal_type(client.items.list("contracts"))
for item in client.items.list("contracts"):
    reveal_type(item)
reveal_type(client.items.list("contracts").pages())
reveal_type(client.items.count("contracts"))
reveal_type(client.items.bulk_create("contracts", [{"title": "x"}]))
with client.items.export("contracts") as rows:
    reveal_type(next(rows))
reveal_type(client.items.changes_since("contracts", "2026-01-01T00:00:00Z"))
reveal_type(client.roles.list_permissions(1))
reveal_type(client.with_workspace("globex"))
client.items.delete("contracts", "REF")
SyncEnspaceClient("en.x", workspace=3)
client.items.get("contracts")
"""


def test_mypy_sees_precise_types_and_no_any(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(textwrap.dedent(SNIPPET))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
         str(tmp_path / "cache"), "--follow-imports=silent", str(program)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False,
    )  # fmt: skip
    revealed = [line.split(" is ")[1] for line in done.stdout.splitlines() if "Revealed" in line]
    notes = [re.sub(r"\b(?:\w+\.)+(?=\w)", "", note).strip('"') for note in revealed]
    assert notes == [
        "Item",
        "SyncPaginator[Item]",
        "Item",
        "SyncIterator[list[Item]]",
        "int",
        "BulkResult",
        "Item",
        "SyncIterator[Item]",
        "list[Permission]",
        "SyncEnspaceClient",
    ], done.stdout
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 2, done.stdout  # the two wrong calls at the end, and nothing else
    assert 'Argument "workspace" to "SyncEnspaceClient" has incompatible type "int"' in errors[0]
    assert 'Missing positional argument "reference"' in errors[1]
