"""The pytest plugin's fixtures work as installed (entry point ``pytest11``)."""

from __future__ import annotations

import pytest

from enspace_async import EnspaceClient
from enspace_async.testing import EnspaceEmulator


def test_the_plugin_is_registered_by_its_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("enspace_async")
    assert plugin is not None
    assert plugin.__name__ == "enspace_async.testing.pytest_plugin"


async def test_enspace_emulator_fixture_is_started(enspace_emulator: EnspaceEmulator) -> None:
    assert enspace_emulator.url.startswith("http://127.0.0.1:")
    assert enspace_emulator.workspace == "acme"


async def test_enspace_client_fixture_talks_to_the_emulator(
    enspace_emulator: EnspaceEmulator, enspace_client: EnspaceClient
) -> None:
    enspace_emulator.seed_type("contracts", items=3)
    assert enspace_client.workspace == "acme"
    assert await enspace_client.items.count("contracts") == 3
    assert [r.route for r in enspace_emulator.requests] == ["items.count"]
