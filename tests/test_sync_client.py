"""SyncEnspaceClient over real HTTP: every resource family, iteration, bulk, export, 32 threads
on one pool, fork, Ctrl-C mid-call, refusal inside a running loop, close and interpreter exit.

The emulator (or a hostile server) runs on its own event loop in a thread, as a real server
would: the sync client blocks its caller, so it must not share the test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from helpers import FAST

from enspace_async import (
    BulkProgress,
    ClientClosedError,
    ConfigurationError,
    NotFoundError,
    RequestTimeout,
    ServerError,
    SyncEnspaceClient,
)
from enspace_async.models import Item, ItemType, Member, QuickTask, Role, SendGridConfig
from enspace_async.sync import SyncExport, SyncIterator, SyncPaginator
from enspace_async.testing import EnspaceEmulator
from enspace_async.transports import AiohttpTransport

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
WAIT = 20.0  # seconds any one step may take before the test fails instead of hanging


class Background:
    """An event loop in a thread, for the servers (the test's thread is the client's)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(WAIT)
        self.loop.close()


class Served:
    """An emulator served from a :class:`Background` loop; records the peers it serves."""

    def __init__(self, background: Background, emulator: EnspaceEmulator):
        self.background, self.emulator = background, emulator
        self.peers: list[tuple[str, int]] = []  # one (host, port) per request
        handle = emulator._dispatcher.handle  # wrapped to see the client's port per request

        async def tracked(request: Any) -> Any:
            self.peers.append(request.transport.get_extra_info("peername"))
            return await handle(request)

        emulator._dispatcher.handle = tracked  # type: ignore[method-assign]
        background.run(emulator.start())

    def client(self, **options: Any) -> SyncEnspaceClient:
        options.setdefault("retry", FAST)
        return SyncEnspaceClient(
            self.emulator.api_key, workspace="acme", base_url=self.emulator.url, **options
        )


@pytest.fixture
def background() -> Iterator[Background]:
    loop = Background()
    yield loop
    loop.close()


@pytest.fixture
def served(background: Background) -> Iterator[Served]:
    emulator = EnspaceEmulator(seed=1)
    emulator.seed_type("contracts", items=250)
    emulator.seed_type("suppliers", fields={"nome": "inputText"})
    emulator.add_flow("contracts", "Approval", ["Draft", "Review"])
    emulator.add_schedule_task(item_reference="X1", work_status="working", task_name="Sign")
    server = Served(background, emulator)
    yield server
    background.run(emulator.stop())


@pytest.fixture
def client(served: Served) -> Iterator[SyncEnspaceClient]:
    with served.client() as sync_client:
        yield sync_client


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "enspace-sync-loop"]


def within(seconds: float, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a thread; fail (instead of hanging) if it takes longer than ``seconds``."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(seconds)


# Every resource family, blocking.


def test_items_types_fields_and_the_escape_hatch(client: SyncEnspaceClient) -> None:
    assert client.items.count("contracts") == 250
    created = client.items.create("contracts", {"title": "Sync"})
    assert isinstance(created, Item)
    got = client.items.get("contracts", created.reference)
    assert got.data["title"] == "Sync"
    assert (
        client.items.update("contracts", created.reference, {"title": "S2"}).data["title"] == "S2"
    )
    client.items.delete("contracts", created.reference)
    with pytest.raises(NotFoundError):
        client.items.get("contracts", created.reference)
    assert isinstance(client.types.get("contracts"), ItemType)
    assert {t.slug for t in client.types.list()} == {"contracts", "suppliers"}
    assert client.types.count() == 2
    field = client.fields.create("suppliers", name="preco", slug="preco", type="EnCurrency")
    assert client.fields.get("suppliers", field.id) == field
    assert [f.refId for f in client.fields.list("suppliers")] == ["nome", "preco"]
    raw = client.request("GET", "/ws/types/contracts/items/count")
    assert raw in (250, {"count": 250})
    assert client.request("GET", "/ws/types/contracts", into=ItemType).slug == "contracts"


def test_people_work_and_account_families(client: SyncEnspaceClient) -> None:
    role = client.roles.create(name="Sales")
    assert isinstance(role, Role)
    client.roles.add_permission(role.id, name="items.read")
    assert [p.name for p in client.roles.list_permissions(role.id)] == ["items.read"]
    member = client.members.create(email="bia@acme.com", type="viewer")
    assert isinstance(member, Member)
    assert client.members.count() == 2
    group = client.member_groups.create(name="Ops", users=[member.id])
    assert client.member_groups.get(group.id).users == [member.id]
    task = client.quick_tasks.create(title="Call Ana")
    assert isinstance(task, QuickTask)
    assert client.quick_tasks.count() == 1
    flow = next(iter(client.flows.list(type_slug="contracts")))
    stages = client.stages.list(flow_id=flow.id).collect()
    assert [s.name for s in stages] == ["Draft", "Review"]
    assert client.tasks.create(stage_id=stages[0].id, name="Check").name == "Check"
    assert [t.task_name for t in client.schedule_tasks.list()] == ["Sign"]
    assert client.forms.list("contracts").collect() == client.forms.list_for_create("contracts")
    sendgrid = SendGridConfig(environment="production", api_key="SG.x", from_email="a@acme.com")
    assert client.integrations.get(client.integrations.create(sendgrid).id).provider_id == 4
    assert client.workspaces.context() is not None
    assert [w.slug for w in client.workspaces.list()] == ["acme"]
    assert client.user.api_keys()[0].scopes == ["delete", "read", "write"]
    assert client.stats.requests >= 20


# Iteration: page by page, never the whole list.


def test_list_fetches_one_page_per_step(client: SyncEnspaceClient, served: Served) -> None:
    paginator = client.items.list("contracts", sort="id:asc", page_size=10)
    assert isinstance(paginator, SyncPaginator)
    before = len(served.emulator.requests)
    first = list(itertools.islice(paginator, 15))
    assert len(served.emulator.requests) - before == 2  # 15 rows: two pages of 10, no more
    everything = list(paginator)  # a new run from the start
    assert [i.id for i in everything[:15]] == [i.id for i in first]
    assert len(everything) == 250
    assert [len(page) for page in itertools.islice(paginator.pages(), 3)] == [10, 10, 10]
    assert len(paginator.collect(limit=25)) == 25


def test_keyset_and_changes_since_yield_every_row_once(client: SyncEnspaceClient) -> None:
    rows = client.items.iter_keyset("contracts", page_size=100)
    assert isinstance(rows, SyncIterator)
    with rows:
        ids = [item.id for item in rows]
    assert ids == sorted(ids)
    assert len(set(ids)) == 250
    changed = list(client.items.changes_since("contracts", "1970-01-01T00:00:00.000Z"))
    assert sorted(i.id for i in changed) == sorted(ids)


def test_an_error_on_a_later_page_comes_after_the_rows_before_it(served: Served) -> None:
    served.emulator.faults.script("items.list", ["ok", "500"])
    with served.client(retry=None) as client:
        rows = client.items.iter_keyset("contracts", page_size=100)
        assert len([next(rows) for _ in range(100)]) == 100  # the first page, whole
        with pytest.raises(ServerError):
            next(rows)
        with pytest.raises(StopIteration):  # the async generator ended with its error
            next(rows)
        pages = client.items.list("contracts", page_size=100).pages()
        assert len(next(pages)) == 100
        assert [len(page) for page in pages] == [100, 50]


def test_rows_pulled_before_an_error_are_yielded_first(client: SyncEnspaceClient) -> None:
    async def rows() -> AsyncIterator[int]:
        for n in range(3):
            yield n
        raise ServerError(500, "boom", "cut mid-batch")

    iterator = SyncIterator(client._portal, rows(), batch=10)  # one hand-over: 3 rows, error
    assert [next(iterator) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ServerError):
        next(iterator)


def test_export_is_a_with_block_that_cancels_what_runs_when_left(
    client: SyncEnspaceClient, served: Served
) -> None:
    with client.items.export("contracts", page_size=20, concurrency=4) as rows:
        assert isinstance(rows, SyncExport)
        ids = [item.id for item in rows]
        assert (rows.total, rows.received) == (250, 250)
    assert ids == sorted(ids)
    assert len(ids) == 250
    before = len(served.emulator.requests)
    with client.items.export("contracts", page_size=10, concurrency=2) as rows:
        next(rows)

    def pages() -> int:
        return sum(r.route == "items.list" for r in served.emulator.requests[before:])

    assert client.items.count("contracts") == 250
    started = pages()
    assert started <= 2 * 2 + 1  # the export's window, not the type's 25 pages
    assert client.items.count("contracts") == 250
    assert pages() == started  # nothing was started after the block


# Bulk with progress, and what runs on the loop's thread.


def test_bulk_create_reports_progress_on_the_loop_thread(client: SyncEnspaceClient) -> None:
    seen: list[BulkProgress] = []
    threads: set[str] = set()

    def progress(update: BulkProgress) -> None:
        seen.append(update)
        threads.add(threading.current_thread().name)

    rows = ({"nome": f"row {n}"} for n in range(40))
    result = client.items.bulk_create("suppliers", rows, on_progress=progress, concurrency=8)
    assert (result.created, result.failed, result.unknown) == (40, 0, 0)
    assert [p.done for p in seen] == list(range(1, 41))
    assert threads == {"enspace-sync-loop"}
    assert client.items.count("suppliers") == 40
    deleted = client.items.bulk_delete("suppliers", result.references.values())
    assert deleted.deleted == 40


def test_calling_the_client_from_its_own_callback_is_refused(client: SyncEnspaceClient) -> None:
    errors: list[BaseException] = []

    def progress(update: BulkProgress) -> None:
        try:
            client.items.count("suppliers")
        except ConfigurationError as exc:
            errors.append(exc)

    client.items.bulk_create("suppliers", [{"nome": "x"}], on_progress=progress)
    assert len(errors) == 1
    assert "EnspaceClient" in str(errors[0])


# Many threads, one client: one pool, one limiter, one retry budget.


def test_32_threads_share_one_pool(served: Served) -> None:
    reference = served.emulator.items("contracts")[0]["reference"]
    with served.client(transport=AiohttpTransport(pool_size=4)) as client:
        start = threading.Barrier(32)

        def work(_: int) -> list[str]:
            start.wait(WAIT)
            return [client.items.get("contracts", reference).reference for _ in range(10)]

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(work, range(32), timeout=WAIT * 3))
        assert results == [[reference] * 10] * 32
        assert client.stats.requests == 320
        assert len(loop_threads()) == 1
    assert 1 <= len(set(served.peers)) <= 4


def test_views_share_the_loop_and_the_counters(served: Served) -> None:
    served.emulator.add_workspace("globex")
    served.emulator.seed_type("contracts", items=3, workspace="globex")
    with served.client() as client:
        globex = client.with_workspace("globex")
        assert (globex.workspace, client.workspace) == ("globex", "acme")
        assert globex.items.count("contracts") == 3
        assert client.items.count("contracts") == 250
        slow = globex.with_options(timeout=30)
        assert slow.workspace == "globex"
        assert slow.items.count("contracts") == 3
        assert client.stats is globex.stats
        assert client.stats.requests == 3
        globex.close()  # a view leaves the root open
        assert client.items.count("contracts") == 250
        with pytest.raises(ConfigurationError, match="workspace"):
            client.with_workspace("")
    assert globex.closed
    with pytest.raises(ClientClosedError):
        globex.items.count("contracts")


def test_from_env(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENSPACE_API_KEY", served.emulator.api_key)
    monkeypatch.setenv("ENSPACE_API_URL", served.emulator.url)
    monkeypatch.setenv("ENSPACE_WORKSPACE_ID", "acme")
    with SyncEnspaceClient.from_env(retry=FAST) as client:
        assert client.items.count("contracts") == 250
    monkeypatch.delenv("ENSPACE_API_KEY")
    with pytest.raises(ConfigurationError, match="API key"):
        SyncEnspaceClient.from_env()


# Lifecycle and safety.


async def test_inside_a_running_loop_it_is_refused_and_points_at_the_async_client(
    served: Served,
) -> None:
    client = served.client()
    with pytest.raises(ConfigurationError, match="use EnspaceClient"):
        client.items.get("contracts", "X")  # no coroutine is left un-awaited either
    with pytest.raises(ConfigurationError, match="running event loop"):
        list(client.items.list("contracts"))
    with pytest.raises(ConfigurationError), client:
        pass
    client.close()
    assert not loop_threads()


def test_close_stops_the_thread_and_later_calls_raise(served: Served) -> None:
    client = served.client()
    assert not loop_threads()  # started on first use, not before
    client.items.count("contracts")
    assert len(loop_threads()) == 1
    rows = iter(client.items.list("contracts", page_size=10))
    next(rows)
    client.close()
    client.close()
    assert client.closed
    assert not loop_threads()
    with pytest.raises(ClientClosedError):
        client.items.count("contracts")
    with pytest.raises(ClientClosedError):
        list(itertools.islice(rows, 20))
    with pytest.raises(ClientClosedError), client:
        pass
    closed_inside = served.client()
    with closed_inside.items.export("contracts", page_size=10) as export:
        next(export)
        closed_inside.close()  # leaving the block after that raises nothing more
    never_used = served.client()
    never_used.close()
    with pytest.raises(ClientClosedError):
        never_used.types.count()


def test_a_dropped_client_stops_its_thread(served: Served) -> None:
    client = served.client()
    client.items.count("contracts")
    del client
    gc.collect()
    assert not loop_threads()


def test_repr_never_shows_the_key(served: Served) -> None:
    with served.client() as client:
        client.items.count("contracts")
        parts = [client, client.items, client.items.list("contracts"), client._portal]
        parts += [client._portal._build, client.with_workspace("acme"), client.stats]
        text = " ".join(map(repr, parts))
        assert served.emulator.api_key not in text
        assert "SyncEnspaceClient" in text


class Hostile:
    """A raw HTTP/1.1 server: ``/slow`` never answers (and says when its client hung up);
    anything else answers ``{"count": 1}``."""

    def __init__(self, background: Background):
        self.background = background
        self.arrived = threading.Event()
        self.hung_up = threading.Event()
        self.server = background.run(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if b"/slow" in head.split(b"\r\n", 1)[0]:
                    self.arrived.set()
                    await reader.read()  # until the client closes the connection
                    self.hung_up.set()
                    break
                body = b'{"count": 1}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        writer.close()

    def close(self) -> None:
        # In the server's own loop: Server.close() from another thread races the loop's own
        # bookkeeping of a connection just closed (seen: TypeError in Server._wakeup).
        self.background.run(self._close())

    async def _close(self) -> None:
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
def hostile(background: Background) -> Iterator[Hostile]:
    server = Hostile(background)
    yield server
    server.close()


def test_ctrl_c_mid_call_cancels_it_on_the_loop_and_frees_the_connection(
    hostile: Hostile,
) -> None:
    assert threading.current_thread() is threading.main_thread()  # where SIGINT lands
    transport = AiohttpTransport(pool_size=1)
    with SyncEnspaceClient("en.k", base_url=hostile.url, transport=transport, retry=None) as client:

        def interrupt() -> None:
            if hostile.arrived.wait(WAIT):
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

        threading.Thread(target=interrupt, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            client.request("GET", "/slow", workspace_scoped=False)
        assert hostile.hung_up.wait(WAIT)  # the connection was closed, not left hanging
        assert client.stats.in_flight == 0
        # The one connection of the pool and the one in-flight slot are free again.
        assert within(WAIT, lambda: client.request("GET", "/x", workspace_scoped=False)) == {
            "count": 1
        }


def test_a_per_call_timeout_works_as_in_the_async_client(hostile: Hostile) -> None:
    with SyncEnspaceClient("en.k", base_url=hostile.url, retry=None, timeout=0.2) as client:
        with pytest.raises(RequestTimeout):
            within(WAIT, lambda: client.request("GET", "/slow", workspace_scoped=False))
        patient = client.with_options(timeout=WAIT)
        assert within(WAIT, lambda: patient.request("GET", "/x", workspace_scoped=False))


def test_closing_while_another_thread_waits_raises_there(hostile: Hostile) -> None:
    client = SyncEnspaceClient("en.k", base_url=hostile.url, retry=None)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(client.request, "POST", "/slow", workspace_scoped=False)
        assert hostile.arrived.wait(WAIT)
        client.close()
        error = waiting.exception(WAIT)
    assert isinstance(error, ClientClosedError)
    assert error.sent  # the POST may have been applied


# Fork: the child builds its own loop and connections; the parent's are left alone.


def test_after_fork_the_child_uses_its_own_connections(served: Served) -> None:
    with served.client() as client:
        assert client.items.count("contracts") == 250
        parent_peer = served.peers[-1]
        before_fork = client.items.list("contracts")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:  # the child: report through the exit code, never return into pytest
            code = 1
            try:
                assert client.items.count("contracts") == 250
                with pytest.raises(ConfigurationError, match=r"os\.fork\(\)"):
                    next(iter(before_fork))
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        child_peer = served.peers[-1]
        assert child_peer != parent_peer
        assert client.items.count("contracts") == 250
        assert served.peers[-1] == parent_peer  # the parent's connection survived the child


def test_a_forked_child_of_a_script_exits_cleanly_and_the_parent_goes_on(served: Served) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        from enspace_async import SyncEnspaceClient
        client = SyncEnspaceClient({served.emulator.api_key!r}, workspace="acme",
                                   base_url={served.emulator.url!r})
        assert client.items.count("contracts") == 250
        pid = os.fork()
        if pid == 0:
            assert client.items.count("contracts") == 250
            sys.exit(7)  # a full interpreter exit: finalizers and atexit run in the child
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 7, status
        assert client.items.count("contracts") == 250
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=WAIT * 3,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
    first, child, last = served.peers[-3:]
    assert first == last != child  # the parent kept its connection through the child's exit


def test_a_transport_passed_in_does_not_follow_a_fork_once_used(served: Served) -> None:
    unused = served.client(transport=AiohttpTransport())  # the prefork pattern: made at import
    with served.client(transport=AiohttpTransport()) as client:
        client.items.count("contracts")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            code = 1
            try:
                with pytest.raises(ConfigurationError, match="transport="):
                    client.items.count("contracts")
                assert unused.items.count("contracts") == 250  # it had opened nothing
                unused.close()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert client.items.count("contracts") == 250
    unused.close()


def test_interpreter_exit_closes_an_open_client_without_warnings(served: Served) -> None:
    script = textwrap.dedent(
        f"""
        from enspace_async import SyncEnspaceClient
        client = SyncEnspaceClient({served.emulator.api_key!r}, workspace="acme",
                                   base_url={served.emulator.url!r})
        rows = iter(client.items.list("contracts", page_size=10))
        next(rows)
        with client.items.export("contracts", page_size=10) as export:
            next(export)
        keyset = client.items.iter_keyset("contracts", page_size=10)
        next(keyset)
        print(client.items.count("contracts"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=WAIT * 3,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "250\n", "")
