"""Issue 11, the property: arbitrary text into every string argument is sent exactly or refused.

Hypothesis feeds text — surrogates, CR/LF, NUL, ``/``, ``?``, ``#``, ``%``, ``+``, ``&``, ``=``,
very long strings — into each string argument of the resources (type slugs, references, ids,
``q``, ``sort``, filter keys and values, bodies), of ``client.request`` and of the client's
constructor. A loopback ``aiohttp.web`` app on its own thread records every request as it
arrives (the raw request target, the body bytes, the headers). For each example:

* the only exception is an SDK error (an :class:`EnspaceError` subclass);
* a :class:`ConfigurationError` means nothing was sent;
* anything sent is plain ASCII with well-formed escapes on the request line, and decoding it
  (strict UTF-8, the way the server would) gives back exactly the request the caller meant:
  the same path segments, the same query pairs in order, the same JSON body, the same header.

One server and one client serve the whole module (the client on one loop, driven per example);
examples are derandomized so CI sees the same cases on every run.
"""

from __future__ import annotations

import asyncio
import re
import string
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import attrs
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enspace_async import ConfigurationError, EnspaceClient, EnspaceError, Request
from enspace_async.transports import MockTransport

KEY = "en.property-test-key"
EXAMPLES = 200
# What may appear on a request line: RFC 3986 unreserved, sub-delims, ':', '@', '/', '?', '%'.
_ON_THE_LINE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?%")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@attrs.define
class Seen:
    """One request as it arrived."""

    method: str
    target: str  # the raw request target: path and query, still escaped
    body: bytes
    headers: dict[str, str]


class Recorder:
    """A loopback aiohttp.web app on its own thread and loop, recording every request.

    Lists answer ``[]`` and counts ``0``; anything else answers ``{}``, which most models
    refuse with a DecodeError (an SDK error, as allowed) after the request was checked.
    """

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        assert ready.wait(10)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.seen.append(Seen(request.method, request.raw_path, body, headers))
        path = request.raw_path.partition("?")[0]
        if request.method == "GET" and path.endswith("/count"):
            return web.json_response(0)
        return web.json_response([] if request.method == "GET" else {})

    def _run(self, ready: threading.Event) -> None:
        async def start() -> web.AppRunner:
            app = web.Application(client_max_size=1 << 24)
            app.router.add_route("*", "/{tail:.*}", self._answer)
            big = {"max_line_size": 1 << 20, "max_field_size": 1 << 20}
            runner = web.AppRunner(app, handle_signals=False, access_log=None, **big)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            return runner

        runner = self._loop.run_until_complete(start())
        ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class Driver:
    """One client on one loop, shared by every example of the module."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.example = 0
        self.loop = asyncio.new_event_loop()
        self.client = self.run(self._open())

    async def _open(self) -> EnspaceClient:
        return EnspaceClient(
            KEY, workspace="acme", base_url=self.recorder.url, retry=None, middlewares=[self._tag]
        )

    async def _tag(self, request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        # Which example sent it: a page an export cancelled may still arrive during the next.
        return await call_next(request.with_headers(x_example=str(self.example)))

    def sent(self) -> list[Seen]:
        """What the current example sent."""
        mine = str(self.example)
        return [s for s in self.recorder.seen if s.headers.get("x-example") == mine]

    def run(self, awaitable: Awaitable[Any]) -> Any:
        async def bounded() -> Any:
            async with asyncio.timeout(20):
                return await awaitable

        return self.loop.run_until_complete(bounded())

    def close(self) -> None:
        self.run(self.client.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    recorder = Recorder()
    driving = Driver(recorder)
    try:
        yield driving
    finally:
        driving.close()
        recorder.close()


# -- what the caller meant -----------------------------------------------------------------


@attrs.frozen
class Meant:
    """A request as the caller meant it: decoded path segments, query pairs, JSON body."""

    method: str
    segments: tuple[str, ...]
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    header: tuple[str, str] | None = None


def decoded(seen: Seen) -> Meant:
    """Read a recorded request back the way a server would, strictly."""
    target = seen.target
    assert set(target) <= _ON_THE_LINE, f"unescaped characters on the wire: {target!r}"
    assert not _BAD_ESCAPE.search(target), f"a malformed escape on the wire: {target!r}"
    raw_path, _, raw_query = target.partition("?")
    segments = tuple(unquote(s, errors="strict") for s in raw_path.split("/")[1:])
    query = tuple(parse_qsl(raw_query, keep_blank_values=True, errors="strict"))
    body = orjson.loads(seen.body) if seen.body else None
    return Meant(seen.method, segments, query, body)


PAGE = (("_start", "0"), ("_limit", "100"))
Call = Callable[[EnspaceClient, str], Awaitable[Any]]
Expect = Callable[[str], list[Meant]]


def listing(*segments: str, query: tuple[tuple[str, str], ...] = ()) -> Meant:
    return Meant("GET", segments, (*query, *PAGE))


def sort_pair(text: str) -> tuple[tuple[str, str], ...]:
    return (("_sort", text),) if text else ()


def q_pair(text: str) -> tuple[tuple[str, str], ...]:
    return (("_q", text),) if text else ()


ITEMS = ("ws", "types", "t", "items")
CASES: dict[str, tuple[Call, Expect]] = {
    # path segments
    "items.list type_slug": (
        lambda c, t: c.items.list(t).collect(),
        lambda t: [listing("ws", "types", t, "items")],
    ),
    "items.get reference": (
        lambda c, t: c.items.get("t", t),
        lambda t: [Meant("GET", (*ITEMS, t))],
    ),
    "items.delete type_slug": (
        lambda c, t: c.items.delete(t, "R1"),
        lambda t: [Meant("DELETE", ("ws", "types", t, "items", "R1"))],
    ),
    "items.update reference and data": (
        lambda c, t: c.items.update("t", t, {"code": t}),
        lambda t: [Meant("PUT", (*ITEMS, t), body={"data": {"code": t}})],
    ),
    "types.get slug": (lambda c, t: c.types.get(t), lambda t: [Meant("GET", ("ws", "types", t))]),
    "fields.list type_slug": (
        lambda c, t: c.fields.list(t).collect(),
        lambda t: [listing("ws", "types", t, "fields")],
    ),
    "forms.list_for_create type_slug": (
        lambda c, t: c.forms.list_for_create(t),
        lambda t: [Meant("GET", ("ws", "types", t, "forms", "create"))],
    ),
    "members.get member_id as text": (
        lambda c, t: c.members.get(t),  # type: ignore[arg-type]
        lambda t: [],  # an id given as text is always refused
    ),
    # filters, sort, q
    "items.list filter value": (
        lambda c, t: c.items.list("t", filters={"data.code": t}).collect(),
        lambda t: [listing(*ITEMS, query=(("data.code", t),))],
    ),
    "items.list filter key": (
        lambda c, t: c.items.list("t", filters={t: "v"}).collect(),
        lambda t: [listing(*ITEMS, query=((t, "v"),))],
    ),
    "items.list filter values": (
        lambda c, t: c.items.list("t", filters={"code_in": [t, "b"]}).collect(),
        lambda t: [listing(*ITEMS, query=(("code_in", t), ("code_in", "b")))],
    ),
    "items.list sort": (
        lambda c, t: c.items.list("t", sort=t).collect(),
        lambda t: [listing(*ITEMS, query=sort_pair(t))],
    ),
    "items.list sort keys": (
        lambda c, t: c.items.list("t", sort=["id:asc", t]).collect(),
        lambda t: [listing(*ITEMS, query=(("_sort", f"id:asc,{t}"),))],
    ),
    "items.count q": (
        lambda c, t: c.items.count("t", q=t),
        lambda t: [Meant("GET", (*ITEMS, "count"), q_pair(t))],
    ),
    "types.list filter and q": (
        lambda c, t: c.types.list(filters={"name_contains": t}, q=t).collect(),
        lambda t: [listing("ws", "types", query=(("name_contains", t), *q_pair(t)))],
    ),
    "members.count filter key": (
        lambda c, t: c.members.count(filters={t: 1}),
        lambda t: [Meant("GET", ("ws", "members", "count"), ((t, "1"),))],
    ),
    "flows.list type_slug": (
        lambda c, t: c.flows.list(type_slug=t).collect(),
        lambda t: [listing("c-flows", query=(("item_type", t),))],
    ),
    "user.request_log filter value": (
        lambda c, t: c.user.request_log(filters={"path_contains": t}).collect(),
        lambda t: [listing("users", "me", "request-logs", query=(("path_contains", t),))],
    ),
    "items.iter_keyset filter value": (
        lambda c, t: drain(c.items.iter_keyset("t", filters={"data.code": t})),
        lambda t: [listing(*ITEMS, query=(("data.code", t), ("id_gt", "0"), ("_sort", "id:asc")))],
    ),
    "items.changes_since since": (
        lambda c, t: drain(c.items.changes_since("t", t)),
        lambda t: [
            listing(*ITEMS, query=(("updated_at_gte", t), ("_sort", "updated_at:asc,id:asc")))
        ],
    ),
    "items.export filter value": (
        lambda c, t: drain(c.items.export("t", filters={"data.code": t}, concurrency=1)),
        lambda t: [
            Meant("GET", (*ITEMS, "count"), (("data.code", t),)),
            listing(*ITEMS, query=(("data.code", t), ("_sort", "id:asc"))),
        ],
    ),
    # bodies
    "items.create data key and value": (
        lambda c, t: c.items.create("t", {t: t}),
        lambda t: [Meant("POST", ITEMS, body={"data": {t: t}})],
    ),
    "types.create name, slug and description": (
        lambda c, t: c.types.create(name=t, slug=t, description=t),
        lambda t: [Meant("POST", ("ws", "types"), body={"name": t, "slug": t, "description": t})],
    ),
    "members.create email and names": (
        lambda c, t: c.members.create(email=t, type="viewer", fname=t),
        lambda t: [
            Meant("POST", ("ws", "members"), body={"email": t, "type": "viewer", "fname": t})
        ],
    ),
    "roles.add_permission name": (
        lambda c, t: c.roles.add_permission(3, name=t),
        lambda t: [Meant("POST", ("ws", "roles", "3", "permissions"), body={"name": t})],
    ),
    "workspaces.create name and slug": (
        lambda c, t: c.workspaces.create(name=t, slug=t),
        lambda t: [Meant("POST", ("workspaces",), body={"name": t, "slug": t})],
    ),
    # the escape hatch
    "request params key and value": (
        lambda c, t: c.request("GET", "/x", params={t: t}),
        lambda t: [Meant("GET", ("x",), ((t, t),))],
    ),
    "request json": (
        lambda c, t: c.request("POST", "/x", json={t: [t]}),
        lambda t: [Meant("POST", ("x",), body={t: [t]})],
    ),
}


async def drain(iterator: Any) -> list[Any]:
    return [row async for row in iterator]


SPECIAL = [
    "",
    " ",
    ".",
    "..",
    "a..b",
    "/",
    "a/b",
    "?",
    "#",
    "%",
    "%2F",
    "%zz",
    "+",
    "a b+c",
    "&x=1",
    "=",
    ";",
    "\r\n",
    "x\r\nHost: evil",
    "\x00",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ud800",
    "a\udfffb",
    "\U0001f600",
    "são",
    "_start",
    "_limit",
    "id_in",
    "x" * 5000,
    "é" * 3000,
]
TEXT = (
    st.sampled_from(SPECIAL)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
    | st.text(st.sampled_from("/?#%&=+; .\r\n\x00\ud800é~"), max_size=20)
    | st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=8).map(
        lambda t: t * 500  # long, and cheap to generate
    )
)
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def outcome(driver: Driver, call: Call, text: str) -> tuple[BaseException | None, list[Seen]]:
    """Run ``call`` with ``text``; return the exception it raised (if any) and what was sent."""
    driver.example += 1
    driver.recorder.seen.clear()
    try:
        driver.run(call(driver.client, text))
    except EnspaceError as exc:
        return exc, driver.sent()
    return None, driver.sent()


def check(driver: Driver, name: str, text: str) -> None:
    call, expect = CASES[name]
    error, seen = outcome(driver, call, text)
    if isinstance(error, ConfigurationError):
        assert not seen, f"{name}: refused after sending {seen}"
        return
    assert seen, f"{name}: {text!r} neither sent nor refused ({error!r})"
    meant = expect(text)
    for request in seen:  # an export may cancel its first page once /count says 0
        assert decoded(request) in meant, f"{name}: {text!r} changed on the wire"
    assert len(seen) <= len(meant)


@pytest.mark.parametrize("name", sorted(CASES))
def test_any_text_in_an_argument_is_sent_exactly_or_refused(driver: Driver, name: str) -> None:
    @PROPERTY
    @given(text=TEXT)
    def example(text: str) -> None:
        check(driver, name, text)

    example()


def test_the_checks_themselves_catch_a_change() -> None:
    # The decoder reads the wire strictly: an unescaped or altered target cannot pass.
    with pytest.raises(AssertionError, match="unescaped"):
        decoded(Seen("GET", "/ws/types/a b/items", b"", {}))
    with pytest.raises(AssertionError, match="malformed escape"):
        decoded(Seen("GET", "/ws/types/%zz/items", b"", {}))
    with pytest.raises(UnicodeDecodeError):
        decoded(Seen("GET", "/ws/types/%ED%A0%80/items", b"", {}))  # an encoded surrogate
    assert decoded(Seen("GET", "/x?a=1%262&b", b"", {})).query == (("a", "1&2"), ("b", ""))


# -- the constructor: what it accepts reaches the wire as given ----------------------------


@PROPERTY
@given(agent=TEXT, workspace=TEXT)
def test_any_user_agent_and_workspace_are_sent_exactly_or_refused(
    driver: Driver, agent: str, workspace: str
) -> None:
    async def one_call() -> None:
        async with EnspaceClient(
            KEY, workspace=workspace, user_agent=agent, base_url=driver.recorder.url, retry=None
        ) as client:
            await client.types.count()

    driver.recorder.seen.clear()
    refused: ConfigurationError | None = None
    try:
        driver.run(one_call())
    except ConfigurationError as exc:
        refused = exc
    if refused is not None:
        assert "workspace" in str(refused) or "user_agent" in str(refused)
        assert not driver.recorder.seen
        return
    (seen,) = driver.recorder.seen
    assert seen.headers["en-workspace"] == workspace
    assert seen.headers["user-agent"].startswith(f"{agent} enspace-async/" if agent else "ens")


@PROPERTY
@given(text=TEXT)
def test_any_base_url_builds_a_client_or_is_refused(text: str) -> None:
    for base_url in (text, f"https://{text}", f"http://127.0.0.1:1/{text}"):
        outcome = _build(base_url)
        if isinstance(outcome, ConfigurationError):
            assert "base_url" in str(outcome)
        else:
            assert str(outcome.base_url).isascii()


def _build(base_url: str) -> EnspaceClient | ConfigurationError:
    try:
        return EnspaceClient(KEY, base_url=base_url, transport=MockTransport(_unused))
    except ConfigurationError as exc:
        return exc


def _unused(request: Any) -> Any:
    raise AssertionError("no request is sent")
