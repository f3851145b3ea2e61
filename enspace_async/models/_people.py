"""Users, members, roles, permissions and member groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._enums import MemberStatus, MemberType
from ._wire import register

__all__ = ["Member", "MemberGroup", "Permission", "Role", "User", "UserMeta"]


@register
@attrs.frozen(kw_only=True)
class UserMeta:
    """A user's profile names."""

    fname: str | None = None
    lname: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class User:
    """A person's account, as embedded in members, flows and stages."""

    id: int
    email: str | None = None
    meta: UserMeta | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Permission:
    """One permission of a role.

    Attributes:
        name: what it allows, such as ``"items.read"``.
        role: the role it belongs to, or only its id.
    """

    id: int
    name: str | None = None
    role: Role | int | None = None
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Role:
    """A named set of permissions given to ``standard`` and ``viewer`` members."""

    id: int
    name: str | None = None
    description: str | None = None
    permissions: list[Permission] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Member:
    """A user's membership of a workspace.

    Attributes:
        type: ``owner``, ``full``, ``standard`` or ``viewer`` (a plain string if new).
        role: the role's id, or the role itself when the server embeds it.
        status: ``active``, ``inactive`` or ``blocked`` (a plain string if new).
        user: the user, or only its id.
    """

    id: int
    email: str | None = None
    type: MemberType | str | None = None
    role: Role | int | None = None
    status: MemberStatus | str | None = None
    user: User | int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class MemberGroup:
    """A group of members, used to share access.

    Attributes:
        users: the members in the group: ids, or members when the server embeds them.
    """

    id: int
    name: str | None = None
    description: str | None = None
    users: list[Member | int] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    def member_ids(self) -> list[int]:
        """Return the ids of the group's members, whatever form the server sent."""
        return [u if isinstance(u, int) else u.id for u in self.users]
