"""The emulator's whole state: workspaces, their resources, API keys, the request log."""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from .._errors import ConfigurationError
from ._store import Collection, Row, now_iso

__all__ = ["EmulatedApiKey", "RequestRecord", "State", "TypeState", "EmulatedWorkspace"]

SCOPES = ("read", "write", "delete")
#: What the emulator answers in: its own shapes, or the documented variants (_handlers/_shapes).
SHAPES = ("served", "documented")
WORKSPACE_COLLECTIONS = (
    "members",
    "roles",
    "permissions",
    "member_groups",
    "quick_tasks",
    "schedule_tasks",
    "integrations",
    "flows",
    "stages",
    "tasks",
)
_ALNUM = string.ascii_letters + string.digits


@attrs.define(eq=False, repr=False)
class EmulatedApiKey:
    """One API key: its scopes and the workspaces it may use (``None``: all but ``left``)."""

    id: int
    secret: str
    scopes: frozenset[str]
    workspaces: set[str] | None
    description: str = ""
    created_at: str = attrs.field(factory=now_iso)
    expires_at: str | None = None
    last_used_at: str | None = None
    left: set[str] = attrs.field(factory=set)

    def __repr__(self) -> str:
        return f"<EmulatedApiKey id={self.id} scopes={sorted(self.scopes)}>"

    def may_use(self, slug: str) -> bool:
        """Whether this key may act on workspace ``slug``."""
        if slug in self.left:
            return False
        return self.workspaces is None or slug in self.workspaces

    def row(self, slugs: Iterable[str]) -> Row:
        """The key as ``GET /users/me/api-keys`` shows it (never the secret); ``workspaces``
        lists which of ``slugs`` it may use."""
        return {
            "id": self.id,
            "description": self.description,
            "scopes": sorted(self.scopes),
            "workspaces": sorted(s for s in slugs if self.may_use(s)),
            "expires_at": self.expires_at,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
        }


class RequestRecord:
    """One request the emulator received."""

    __slots__ = (
        "created_at",
        "duration",
        "fault",
        "id",
        "key_id",
        "method",
        "path",
        "query",
        "route",
        "status",
        "workspace",
    )

    def __init__(self, ident: int, method: str, path: str, query: str, workspace: str | None):
        self.id = ident
        self.method = method
        self.path = path
        self.query = query
        self.workspace = workspace
        self.route: str | None = None
        self.status = 0
        self.duration = 0.0
        self.fault: str | None = None
        self.key_id: int | None = None
        self.created_at = now_iso()

    def __repr__(self) -> str:
        return f"<RequestRecord {self.method} {self.path} {self.status}>"

    def row(self) -> Row:
        """The record as the request-log route shows it."""
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "duration_ms": round(self.duration * 1000, 3),
            "workspace": self.workspace,
            "created_at": self.created_at,
        }


class TypeState:
    """A type's row and its fields, items and forms."""

    def __init__(self, row: Row):
        self.row = row
        self.fields = Collection(key="refId")
        self.items = Collection(key="reference")
        self.forms = Collection()


class EmulatedWorkspace:
    """One workspace: its row, types, and the other resource collections."""

    def __init__(self, row: Row):
        self.row = row
        self.types = Collection(key="slug")
        self.type_states: dict[str, TypeState] = {}
        self.collections = {name: Collection() for name in WORKSPACE_COLLECTIONS}
        self.secrets: dict[int, dict[str, Any]] = {}
        self.references: dict[str, Row] = {}
        self._ids: Counter[str] = Counter()

    @property
    def slug(self) -> str:
        """The workspace slug."""
        return str(self.row["slug"])

    def next_id(self, kind: str) -> int:
        """Return the next id for ``kind`` (items share one sequence per workspace)."""
        self._ids[kind] += 1
        return self._ids[kind]

    def type_state(self, slug: str) -> TypeState | None:
        """Return the state of type ``slug``."""
        return self.type_states.get(slug)


class State:
    """Everything the emulator holds, plus its seeded random sources."""

    def __init__(self, seed: int, log_limit: int | None, shapes: str = "served"):
        if shapes not in SHAPES:
            raise ConfigurationError(f"shapes must be one of {SHAPES}, got {shapes!r}")
        self.seed = seed
        self.shapes = shapes
        self.data_rng = random.Random(f"data-{seed}")
        self.key_rng = random.Random(f"keys-{seed}")
        self.workspaces: dict[str, EmulatedWorkspace] = {}
        self.workspace_rows = Collection(key="slug")
        self.keys: dict[str, EmulatedApiKey] = {}
        self.requests: list[RequestRecord] = []
        self.log_limit = log_limit
        self.request_count = 0
        self.applied: Counter[str] = Counter()
        self.applied_keys: Counter[tuple[str, str]] = Counter()
        self.user: Row = {
            "id": 1,
            "created_at": now_iso(),
            "email": "owner@example.com",
            "meta": {"fname": "Ada", "lname": "Owner"},
        }

    def new_secret(self) -> str:
        """Return a new key secret: ``en.`` + 34 alphanumerics, deterministic from the seed."""
        return "en." + "".join(self.key_rng.choice(_ALNUM) for _ in range(34))

    def record(self, record: RequestRecord) -> None:
        """Append ``record`` to the request log, dropping the oldest half when full."""
        self.requests.append(record)
        if self.log_limit is not None and len(self.requests) > self.log_limit:
            del self.requests[: len(self.requests) - self.log_limit // 2]

    def mark_applied(self, route: str, key: object) -> None:
        """Count one applied write of ``route`` on the resource ``key``."""
        self.applied[route] += 1
        self.applied_keys[(route, str(key))] += 1
