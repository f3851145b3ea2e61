"""The public :class:`EnspaceEmulator`: the in-memory ENSPACE over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import orjson
from aiohttp import web

from .._client import EnspaceClient
from .._converter import dumps
from .._errors import ConfigurationError
from .._time import Sleep
from ._context import HANDLERS
from ._demo import field_specs, value_maker
from ._faults import Faults
from ._handlers import items as item_handlers
from ._handlers import types, work, workspaces
from ._ratelimit import EmulatedRateLimiter, RateLimit
from ._server import Dispatcher
from ._state import SCOPES, EmulatedApiKey, EmulatedWorkspace, RequestRecord, State, TypeState
from ._store import Row, now_iso
from ._validate import validate_data

__all__ = ["EnspaceEmulator"]

assert HANDLERS  # the handler modules registered themselves on import
# Demo values: per-row values for text and email fields (unique, searchable), the rest drawn
# from a seeded pool, which keeps generating a million rows quick.
_POOL = 1009
_UNIQUE = frozenset({"title", "email"})


def _is_unique(state: TypeState, ref: str) -> bool:
    field = state.fields.find(ref)
    return field is not None and field["type"] in ("inputText", "email")


class EnspaceEmulator:
    """The ENSPACE API in memory, served over HTTP on 127.0.0.1 on a free port.

    ::

        async with EnspaceEmulator(seed=0) as emu:
            emu.seed_type("contracts", items=250)
            async with emu.client() as client:
                print(await client.items.count("contracts"))

    Args:
        seed: makes keys, references, demo data and random faults reproducible.
        rate_limit: a per-key :class:`RateLimit`, or ``None`` for no limit.
        workspace: the slug of the default workspace created up front (``None``: none).
        host: the address to listen on.
        port: the port (0: a free one).
        log_limit: the most request records kept (the oldest half is dropped when full).
        sleep: how injected latency waits (injectable for tests).
        shapes: ``"served"`` (its own shapes), or ``"documented"``: the same data as the
            reference's pages show it (string workspace ids, ``{"choices"}`` options…).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        rate_limit: RateLimit | None = None,
        workspace: str | None = "acme",
        host: str = "127.0.0.1",
        port: int = 0,
        log_limit: int | None = 100_000,
        sleep: Sleep = asyncio.sleep,
        shapes: str = "served",
    ):
        self.state = State(seed, log_limit, shapes)
        self.faults = Faults(seed)
        self.rate_limiter = EmulatedRateLimiter(rate_limit) if rate_limit is not None else None
        self._dispatcher = Dispatcher(self.state, self.faults, self.rate_limiter, sleep)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.workspace = workspace
        if workspace is not None:
            self.add_workspace(workspace)
        self.api_key = self.add_api_key(description="default emulator key")

    def __repr__(self) -> str:
        return f"<EnspaceEmulator {self.url or 'not started'}>"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> str:
        """Start serving and return the base URL."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatcher.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True, backlog=4096)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{self._host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def add_workspace(self, slug: str, name: str | None = None) -> Row:
        """Create a workspace (owned by the emulator's one user) and return its row."""
        ws = workspaces.add_workspace(
            self.state, {"name": name or slug.title(), "slug": slug}, now_iso()
        )
        return ws.row

    def add_api_key(
        self,
        *,
        scopes: Iterable[str] = SCOPES,
        workspaces: Iterable[str] | None = None,
        description: str = "",
    ) -> str:
        """Create an API key and return its secret (``en.`` + 34 alphanumerics).

        Args:
            scopes: among ``read``, ``write``, ``delete``.
            workspaces: the slugs the key may use; ``None`` for every workspace.
            description: shown by ``GET /users/me/api-keys``.
        """
        wanted = frozenset(scopes)
        if not wanted <= set(SCOPES):
            raise ConfigurationError(f"scopes must be among {SCOPES}, got {sorted(wanted)}")
        secret = self.state.new_secret()
        allowed = None if workspaces is None else set(workspaces)
        key = EmulatedApiKey(len(self.state.keys) + 1, secret, wanted, allowed, description)
        self.state.keys[secret] = key
        return secret

    def client(self, workspace: str | None = None, **client_kwargs: Any) -> EnspaceClient:
        """Return an :class:`EnspaceClient` pointed at this emulator (close it when done)."""
        if not self.url:
            raise ConfigurationError(
                "start the emulator first (async with EnspaceEmulator() as emu), then call client()"
            )
        client_kwargs.setdefault("api_key", self.api_key)
        return EnspaceClient(
            workspace=workspace or self.workspace, base_url=self.url, **client_kwargs
        )

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received (the newest ``log_limit`` of them), oldest first."""
        return self.state.requests

    @property
    def applied(self) -> Counter[str]:
        """How many writes each route applied (``{"items.create": 3}``)."""
        return self.state.applied

    @property
    def applied_keys(self) -> Counter[tuple[str, str]]:
        """How many times each write was applied to each resource (``("items.update", ref)``)."""
        return self.state.applied_keys

    def ws(self, workspace: str | None = None) -> EmulatedWorkspace:
        """Return the state of a workspace (the default one without an argument)."""
        slug = workspace or self._default()
        found = self.state.workspaces.get(slug)
        if found is None:
            raise ConfigurationError(f"no workspace {slug!r}: add it first with add_workspace()")
        return found

    def items(self, type_slug: str, workspace: str | None = None) -> list[Row]:
        """Return the stored item rows of a type, in id order (live dicts: do not mutate)."""
        return self._type(type_slug, workspace).items.rows

    def item(self, reference: str, workspace: str | None = None) -> Row | None:
        """Return the stored item with this reference, or ``None``."""
        return self.ws(workspace).references.get(reference)

    def _default(self) -> str:
        if self.workspace is None:
            raise ConfigurationError("no default workspace: pass workspace=")
        return self.workspace

    def _type(self, slug: str, workspace: str | None) -> TypeState:
        state = self.ws(workspace).type_state(slug)
        if state is None:
            raise ConfigurationError(
                f"no type {slug!r} in workspace {self.ws(workspace).slug!r}: seed it first "
                "with seed_type()"
            )
        return state

    def seed_type(
        self,
        slug: str,
        *,
        fields: Mapping[str, str] | Sequence[Mapping[str, Any]] | None = None,
        items: int = 0,
        workspace: str | None = None,
        name: str | None = None,
    ) -> Row:
        """Create (or extend) a type with ``fields`` and ``items`` generated demo rows.

        Args:
            slug: the type slug.
            fields: ``{refId: field type}`` or full create-field bodies; a realistic set of
                every common field type by default.
            items: how many items to generate.
            workspace: the workspace slug (the default one without it).
            name: the type's name.

        Returns:
            The type row.
        """
        ws, now = self.ws(workspace), now_iso()
        state = ws.type_state(slug)
        if state is None:
            types.add_type(ws, {"name": name or slug.replace("-", " ").title(), "slug": slug}, now)
            state = ws.type_states[slug]
            for spec in field_specs(fields):
                types.add_field(ws, state, spec, now)
            refs = [f["refId"] for f in state.fields]
            types.add_form(ws, state, "Default", refs, now, for_create=True)
        self._generate(ws, state, items, now)
        return state.row

    def _generate(self, ws: EmulatedWorkspace, state: TypeState, count: int, now: str) -> None:
        rng = self.state.data_rng
        makers = [(f["refId"], m) for f in state.fields if (m := value_maker(f)) is not None]
        unique = [(ref, make) for ref, make in makers if ref in _UNIQUE or _is_unique(state, ref)]
        pooled = [
            (ref, [make(rng, n) for n in range(1, _POOL + 1)])
            for ref, make in makers
            if (ref, make) not in unique
        ]
        add = item_handlers.add_item
        for _ in range(count):
            n = len(state.items) + 1
            data = {ref: make(rng, n) for ref, make in unique}
            for position, (ref, pool) in enumerate(pooled):
                data[ref] = pool[(n * 7919 + position * 104729) % _POOL]
            add(ws, state, data, now, rng.getrandbits(32), "active")

    def add_item(
        self,
        type_slug: str,
        data: Mapping[str, Any],
        *,
        status: str = "active",
        workspace: str | None = None,
    ) -> Row:
        """Store one item with exactly these values, checked as ``POST …/items`` checks them.

        Args:
            type_slug: a type made by :meth:`seed_type` or through the API.
            data: values keyed by field ``refId``, as ``client.items.create`` takes them (models
                included); a relation may give only the ``reference``.
            status: ``"active"``, ``"inactive"`` or ``"archived"``.
            workspace: the workspace slug (the default one without it).

        Returns:
            The stored row (a live dict: do not mutate). Seeding is not counted in
            :attr:`applied`.

        Raises:
            ConfigurationError: there is no such type, or the API would refuse these values
                (the message lists every problem).
        """
        ws = self.ws(workspace)
        state = ws.type_state(type_slug)
        if state is None:
            raise ConfigurationError(f"no type {type_slug!r}: create it first with seed_type()")
        # The values as the wire carries them: models encoded, and nothing shared with the caller.
        values, errors = validate_data(orjson.loads(dumps(dict(data))), state, ws, partial=False)
        if status not in item_handlers._STATUSES:
            errors.append(f"status must be one of {list(item_handlers._STATUSES)}")
        if errors:
            raise ConfigurationError(f"add_item({type_slug!r}): " + "; ".join(errors))
        bits = self.state.data_rng.getrandbits(32)
        return item_handlers.add_item(ws, state, values, now_iso(), bits, status)

    def add_flow(
        self, type_slug: str, name: str, stages: Sequence[str], *, workspace: str | None = None
    ) -> Row:
        """Add a flow of a type with one stage per name; return the flow row."""
        self._type(type_slug, workspace)  # a missing type is named, with what to do
        return work.add_flow(self.ws(workspace), type_slug, name, list(stages), now_iso())

    def add_schedule_task(self, *, workspace: str | None = None, **values: Any) -> Row:
        """Add a scheduled task with these fields; return its row."""
        return work.add_schedule_task(self.ws(workspace), values, now_iso())
