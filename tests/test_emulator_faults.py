"""Fault injection and rate limiting of the emulator, checked with plain aiohttp."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import pytest_asyncio
from conftest import RawApi
from helpers import FakeTime

from enspace_async.testing import EnspaceEmulator, Fault, Faults, RateLimit

ITEMS = "/ws/types/contracts/items"


@pytest.fixture
def emu(enspace_emulator: EnspaceEmulator) -> EnspaceEmulator:
    enspace_emulator.seed_type("contracts", fields={"title": "inputText"}, items=5)
    return enspace_emulator


async def test_server_errors_are_not_applied(emu: EnspaceEmulator, raw_api: RawApi) -> None:
    emu.faults.script("items.create", ["500", "502", "503", "504"])
    for expected in (500, 502, 503, 504):
        status, body, headers = await raw_api.call("POST", ITEMS, json={"data": {}})
        assert status == expected
        assert body["statusCode"] == expected
        assert body["message"] == "injected fault"
        assert headers["x-request-id"]
    assert len(emu.items("contracts")) == 5
    assert emu.applied["items.create"] == 0
    assert emu.faults.counts == {"500": 1, "502": 1, "503": 1, "504": 1}
    assert [r.fault for r in emu.requests] == ["500", "502", "503", "504"]


async def test_injected_429_with_and_without_retry_after(
    emu: EnspaceEmulator, raw_api: RawApi
) -> None:
    emu.faults.script("items.list", ["429:7", Fault("429", retry_after=None)])
    status, body, headers = await raw_api.call("GET", ITEMS)
    assert (status, body["error"], headers["Retry-After"]) == (429, "Too Many Requests", "7")
    status, _, headers = await raw_api.call("GET", ITEMS)
    assert status == 429
    assert "Retry-After" not in headers


async def test_reset_before_is_a_disconnect_and_not_applied(
    emu: EnspaceEmulator, raw_api: RawApi
) -> None:
    emu.faults.script("items.create", ["reset_before"])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await raw_api.call("POST", ITEMS, json={"data": {"title": "once"}})
    assert len(emu.items("contracts")) == 5
    assert emu.requests[-1].fault == "reset_before"
    assert emu.requests[-1].status == 0


async def test_reset_after_is_a_disconnect_but_applied(
    emu: EnspaceEmulator, raw_api: RawApi
) -> None:
    emu.faults.script("items.create", ["reset_after"])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await raw_api.call("POST", ITEMS, json={"data": {"title": "once"}})
    assert [r["data"] for r in emu.items("contracts")[5:]] == [{"title": "once"}]
    assert emu.applied["items.create"] == 1
    assert emu.requests[-1].status == 201


async def test_truncated_body_is_applied_and_cut(emu: EnspaceEmulator, raw_api: RawApi) -> None:
    emu.faults.script("items.create", ["truncated"])
    with pytest.raises(aiohttp.ClientPayloadError):
        await raw_api.call("POST", ITEMS, json={"data": {"title": "cut"}})
    assert emu.applied["items.create"] == 1


async def test_malformed_body_is_a_200_that_is_not_json(
    emu: EnspaceEmulator, raw_api: RawApi
) -> None:
    emu.faults.script("items.get", ["malformed"])
    ref = emu.items("contracts")[0]["reference"]
    with pytest.raises(orjson.JSONDecodeError):
        await raw_api.call("GET", f"{ITEMS}/{ref}")
    assert emu.faults.counts["malformed"] == 1


async def test_redirect_to_the_same_path_or_another_origin(
    emu: EnspaceEmulator, raw_api: RawApi
) -> None:
    emu.faults.script(
        "items.list",
        ["redirect", Fault("redirect", location="https://other.example{path}", status=302)],
    )
    status, body, headers = await raw_api.call("GET", ITEMS, params={"_limit": 2})
    assert (status, headers["Location"]) == (307, ITEMS + "?_limit=2")
    status, _, headers = await raw_api.call("GET", ITEMS)
    assert (status, headers["Location"]) == (302, "https://other.example" + ITEMS)
    status, body, _ = await raw_api.call("GET", ITEMS, params={"_limit": 2})
    assert (status, len(body)) == (200, 2)


async def test_drop_rows_only_touches_lists(emu: EnspaceEmulator, raw_api: RawApi) -> None:
    emu.faults.add("drop_rows", rows=2, routes="items.*")
    _, count, _ = await raw_api.call("GET", ITEMS + "/count")
    _, page, _ = await raw_api.call("GET", ITEMS)
    assert (count, len(page)) == (5, 3)
    assert emu.faults.counts == {"drop_rows": 1}
    emu.faults.script("items.list", ["drop_rows:1"])
    assert len((await raw_api.call("GET", ITEMS))[1]) == 4


async def test_latency_uses_the_injected_sleep() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with EnspaceEmulator(sleep=sleep) as emu, aiohttp.ClientSession() as session:
        emu.faults.add("latency", seconds=0.25, routes=["types.*"])
        emu.faults.add("latency", seconds=0.5, routes="types.count", times=1)
        emu.faults.script("types.list", ["latency:2", "ok"])
        api = RawApi(emu, session)
        await api.call("GET", "/ws/types")
        await api.call("GET", "/ws/types")
        await api.call("GET", "/ws/types/count")
        await api.call("GET", "/ws/types/count")
        await api.call("GET", "/ws/members")
    assert slept == [2.0, 0.75, 0.25]
    assert emu.faults.counts == {"latency": 4}


async def test_scripts_win_then_rules_apply(emu: EnspaceEmulator, raw_api: RawApi) -> None:
    emu.faults.add("503", rate=1.0, routes="items.count", times=1)
    emu.faults.script("items.*", ["ok"])
    assert emu.faults.active
    assert (await raw_api.call("GET", ITEMS + "/count"))[0] == 200
    assert (await raw_api.call("GET", ITEMS + "/count"))[0] == 503
    assert (await raw_api.call("GET", ITEMS + "/count"))[0] == 200
    emu.faults.clear()
    assert not emu.faults.active


def _outcomes(seed: int) -> list[str]:
    faults = Faults(seed)
    faults.add("503", rate=0.3)
    faults.add("reset_after", rate=0.2, routes=("items.create",))
    faults.add("latency", rate=0.5, seconds=0.1)
    picks = [faults.pick("items.create") for _ in range(200)]
    return [f"{delay}:{fault.kind if fault else 'ok'}" for delay, fault in picks]


def test_random_faults_are_deterministic_for_a_seed() -> None:
    assert _outcomes(1) == _outcomes(1)
    assert _outcomes(1) != _outcomes(2)
    kinds = {o.split(":")[1] for o in _outcomes(1)}
    assert kinds == {"ok", "503", "reset_after"}


def test_rate_zero_never_fires_and_one_always_does() -> None:
    faults = Faults(0)
    faults.add("500", rate=0.0)
    faults.add("502", rate=1.0, routes="roles.*")
    assert faults.pick("items.get") == (0.0, None)
    assert faults.pick("roles.get") == (0.0, Fault("502"))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.add("teapot"), "unknown fault kind 'teapot'"),
        (lambda f: f.add("500", rate=2), "rate must be between 0 and 1"),
        (lambda f: f.script("items.get", ["500:3"]), "takes no argument"),
    ],
)
def test_bad_fault_plans_fail_loudly(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(Faults(0))  # type: ignore[operator]


def test_fault_specs_parse() -> None:
    assert Fault.parse("latency:0.5") == Fault("latency", seconds=0.5)
    assert Fault.parse("drop_rows:3") == Fault("drop_rows", rows=3)
    assert Fault.parse("redirect:/x") == Fault("redirect", location="/x")
    assert Fault.parse(Fault("ok")) == Fault("ok")
    assert Fault("reset_after").applied
    assert not Fault("reset_before").applied


@pytest_asyncio.fixture
async def limited() -> AsyncIterator[tuple[RawApi, FakeTime]]:
    time = FakeTime(100.0)
    limit = RateLimit(per_second=0.5, burst=2, clock=time.clock)
    async with EnspaceEmulator(rate_limit=limit) as emu, aiohttp.ClientSession() as session:
        yield RawApi(emu, session), time


async def test_rate_limit_answers_429_with_headers(limited: tuple[RawApi, FakeTime]) -> None:
    api, clock = limited
    status, _, headers = await api.call("GET", "/ws/types")
    assert status == 200
    assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("2", "1")
    assert (await api.call("GET", "/ws/types"))[0] == 200
    status, body, headers = await api.call("GET", "/ws/types")
    assert (status, body["statusCode"], body["error"]) == (429, 429, "Too Many Requests")
    assert headers["Retry-After"] == "2"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == "4"
    clock.now += 2.0
    assert (await api.call("GET", "/ws/types"))[0] == 200


async def test_rate_limit_is_per_key(limited: tuple[RawApi, FakeTime]) -> None:
    api, _ = limited
    other = api.emulator.add_api_key()
    for _ in range(3):
        await api.call("GET", "/ws/types")
    assert (await api.call("GET", "/ws/types", key=other))[0] == 200


async def test_rate_limit_headers_can_be_switched_off() -> None:
    limit = RateLimit(
        per_second=1, retry_after_header=False, ratelimit_headers=False, clock=FakeTime().clock
    )
    async with EnspaceEmulator(rate_limit=limit) as emu, aiohttp.ClientSession() as session:
        api = RawApi(emu, session)
        assert (await api.call("GET", "/ws/types"))[0] == 200
        status, _, headers = await api.call("GET", "/ws/types")
    assert status == 429
    assert not {"Retry-After", "X-RateLimit-Limit"} & set(headers)


def test_rate_limit_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="per_second"):
        RateLimit(per_second=0)
    with pytest.raises(ValueError, match="burst"):
        RateLimit(per_second=1, burst=0)
    assert RateLimit(per_second=2.5).capacity == 3


async def test_aiohttp_silently_resends_an_idempotent_request_once_after_a_reset(
    emu: EnspaceEmulator, raw_api: RawApi
) -> None:
    # aiohttp's ClientSession retries GET/PUT/DELETE once after a disconnect, so one reset on
    # an idempotent route is invisible to it (and a PUT under reset_after is applied twice):
    # script two resets to make an aiohttp client see the disconnect.
    emu.faults.script("items.list", ["reset_before"])
    assert (await raw_api.call("GET", ITEMS))[0] == 200
    ref = emu.items("contracts")[0]["reference"]
    emu.faults.script("items.update", ["reset_after"])
    assert (await raw_api.call("PUT", f"{ITEMS}/{ref}", json={"data": {"title": "x"}}))[0] == 200
    assert emu.applied_keys[("items.update", ref)] == 2
    emu.faults.script("items.list", ["reset_before", "reset_before"])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await raw_api.call("GET", ITEMS)


async def test_an_emulator_bug_is_a_500_with_the_error_body(
    emu: EnspaceEmulator, raw_api: RawApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from enspace_async.testing import _context

    def broken(ctx: object) -> object:
        raise KeyError("boom")

    monkeypatch.setitem(_context.HANDLERS, "types.list", (broken, 200))
    status, body, _ = await raw_api.call("GET", "/ws/types")
    assert (status, body["message"]) == (500, "KeyError: 'boom'")
