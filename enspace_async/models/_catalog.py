"""Types (the product's "categories") and items."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import attrs

from .._converter import structure
from .._errors import DecodeError

__all__ = ["Item", "ItemType"]

T = TypeVar("T")


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

    def value(self, ref_id: str, into: type[T]) -> T:
        """Return the value of field ``ref_id`` as ``into`` (``Currency``, ``list[Relation]``…).

        Raises:
            KeyError: the item has no value for ``ref_id``.
            DecodeError: the value does not fit ``into``; its ``path`` starts at
                ``$.data.<ref_id>``.
        """
        raw = self.data[ref_id]
        try:
            result: T = structure(raw, into)
        except DecodeError as exc:
            raise DecodeError(
                f"item {self.reference} value {ref_id!r}: {exc.message}",
                path=f"$.data.{ref_id}{exc.path[1:]}",
                excerpt=exc.excerpt,
            ) from exc
        return result
