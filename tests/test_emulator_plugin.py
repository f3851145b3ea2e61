"""The pytest plugin's fixtures work as installed (entry point ``pytest11``), in pytest-asyncio's
strict and auto modes, and cost a pytest run nothing until a test uses them; ``add_item`` seeds
exact rows."""

from __future__ import annotations

import pytest

from enspace_async import ConfigurationError, EnspaceClient
from enspace_async.models import Currency, Relation
from enspace_async.testing import EnspaceEmulator

USER_TESTS = """
import pytest
import pytest_asyncio


@pytest_asyncio.fixture
async def contracts(enspace_emulator):
    enspace_emulator.seed_type("contracts", items=3)
    return "contracts"


async def test_unmarked_with_the_client(enspace_emulator, enspace_client):
    enspace_emulator.seed_type("contracts", items=2)
    assert await enspace_client.items.count("contracts") == 2


async def test_unmarked_through_a_fixture_of_yours(contracts, enspace_client):
    assert await enspace_client.items.count(contracts) == 3


@pytest.mark.asyncio
async def test_marked(enspace_client):
    assert enspace_client.workspace == "acme"


@pytest.mark.parametrize("count", [1, 4])
async def test_parametrized(enspace_emulator, enspace_client, count):
    enspace_emulator.seed_type("contracts", items=count)
    assert await enspace_client.items.count("contracts") == count


class TestInAClass:
    async def test_method(self, enspace_client):
        assert [t async for t in enspace_client.types.list()] == []


def test_sync_with_the_emulator(enspace_emulator):
    assert enspace_emulator.url.startswith("http://127.0.0.1:")
"""

# Collected and run first (files run in name order), before any test has used a fixture.
WITHOUT_THE_FIXTURES = """
import sys


def test_pytest_start_up_did_not_import_the_sdk():
    assert not [name for name in sys.modules if name.startswith("enspace_async")]


async def test_left_alone():
    pass
"""


def test_the_plugin_is_registered_by_its_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("enspace_async")
    assert plugin is not None
    assert plugin.__name__ == "_enspace_async_pytest"


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


def run_user_project(pytester: pytest.Pytester, mode: str | None) -> pytest.RunResult:
    """Run the user tests in a project of their own, in a fresh interpreter."""
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    pytester.makeini(ini + (f"asyncio_mode = {mode}\n" if mode else ""))
    pytester.makepyfile(test_a_first=WITHOUT_THE_FIXTURES, test_user=USER_TESTS)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", timeout=120)


def test_strict_mode_the_default_runs_the_tests_that_use_the_fixtures(
    pytester: pytest.Pytester,
) -> None:
    result = run_user_project(pytester, None)
    result.assert_outcomes(passed=8, failed=1)
    # A test without the fixtures is strict mode's business: still not run on asyncio.
    result.stdout.fnmatch_lines(["*test_left_alone*", "*async def functions are not natively*"])


def test_auto_mode_runs_them_too(pytester: pytest.Pytester) -> None:
    run_user_project(pytester, "auto").assert_outcomes(passed=9)


def test_without_pytest_asyncio_the_fixtures_say_what_to_install(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    shadow = pytester.mkdir("shadow")
    (shadow / "pytest_asyncio.py").write_text("raise ImportError('not installed')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow))
    pytester.makepyfile("def test_it(enspace_emulator):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:asyncio", "-p", "no:cacheprovider", timeout=120
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*enspace_emulator and enspace_client fixtures need pytest-asyncio*[[]testing[]]*"]
    )


async def test_add_item_seeds_exact_rows_the_api_serves(
    enspace_emulator: EnspaceEmulator, enspace_client: EnspaceClient
) -> None:
    enspace_emulator.seed_type("suppliers", fields={"name": "inputText"})
    acme = enspace_emulator.add_item("suppliers", {"name": "ACME Serviços"})
    enspace_emulator.seed_type(
        "contracts", fields={"title": "inputText", "price": "EnCurrency", "supplier": "EnRel"}
    )
    price = Currency(currency="BRL", value=3750.25)
    row = enspace_emulator.add_item(
        "contracts",
        {"title": "Cleaning", "price": price, "supplier": {"reference": acme["reference"]}},
        status="inactive",
    )
    assert enspace_emulator.items("contracts") == [row]
    item = await enspace_client.items.get("contracts", row["reference"])
    assert item.status == "inactive"
    assert item.value("price", Currency) == price
    assert item.value("supplier", Relation).id == acme["id"]  # expanded as a create expands it
    assert await enspace_client.items.count("contracts", filters={"data.title": "Cleaning"}) == 1
    assert not enspace_emulator.applied  # seeding is not a write the API applied


def test_add_item_copies_the_data(enspace_emulator: EnspaceEmulator) -> None:
    enspace_emulator.seed_type("places", fields={"address": "EnAddress"})
    data = {"address": {"city": "Recife"}}
    row = enspace_emulator.add_item("places", data)
    data["address"]["city"] = "Olinda"
    assert row["data"] == {"address": {"city": "Recife"}}


def test_add_item_refuses_what_a_create_would_refuse(enspace_emulator: EnspaceEmulator) -> None:
    with pytest.raises(ConfigurationError, match=r"no type 'contracts'.*seed_type"):
        enspace_emulator.add_item("contracts", {"title": "x"})
    enspace_emulator.seed_type(
        "contracts",
        fields=[
            {"name": "Title", "slug": "title", "type": "inputText", "required": True},
            {"name": "Amount", "slug": "amount", "type": "EnlNumber"},
        ],
    )
    with pytest.raises(ConfigurationError) as refused:
        enspace_emulator.add_item("contracts", {"amount": "many", "colour": "red"}, status="gone")
    message = str(refused.value)
    for problem in ("data.amount", "data.colour is not a field", "data.title is required"):
        assert problem in message
    assert "status must be one of ['active', 'inactive', 'archived']" in message
    assert enspace_emulator.items("contracts") == []
