"""Types (the product's "categories") and items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

__all__ = ["Item", "ItemType"]


@attrs.frozen(kw_only=True)
class ItemType:
    """A type: the schema that a workspace's items follow.

    Attributes:
        slug: the identifier used in paths.
        settings: free-form string settings.
    """

    name: str
    slug: str
    id: int | None = None
    description: str | None = None
    icon: str | None = None
    color: str | None = None
    settings: dict[str, str] = attrs.field(factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Item:
    """One record of a type.

    Attributes:
        reference: the item's public id, such as ``"FORNC55D9212D9"``.
        data: values keyed by field ``refId``, as the API sends them.
    """

    id: int
    reference: str
    status: str = "active"
    data: dict[str, Any] = attrs.field(factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
