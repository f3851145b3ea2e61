"""Types (the product's "categories") and items."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import attrs

from .._converter import structure
from .._errors import DecodeError
from ._wire import register

__all__ = ["Item", "ItemType"]

T = TypeVar("T")


@register
@attrs.frozen(kw_only=True)
class ItemType:
    """A type: the schema that a workspace's items follow.

    Attributes:
        slug: the identifier used in paths (its identity: embedded types carry no ``id``).
        settings: free-form settings, as sent (the docs show strings).
        extra: every other key of the response, and raw values that did not fit.
    """

    slug: str
    name: str | None = None
    id: int | None = None
    description: str | None = None
    icon: str | None = None
    color: str | None = None
    settings: dict[str, Any] = attrs.field(factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Item:
    """One record of a type.

    Attributes:
        reference: the item's public id, such as ``"FORNC55D9212D9"``.
        data: values keyed by field ``refId``, exactly as the API sends them.
        extra: every other key of the response, and raw values that did not fit. An update
            sends only the ``data`` you pass (the server merges it), so nothing here is lost.
    """

    id: int
    reference: str
    status: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    def value(self, ref_id: str, into: type[T]) -> T:
        """Return the value of field ``ref_id`` as ``into`` (``Currency``, ``list[Relation]``…).

        Raises:
            DecodeError: the item has no value for ``ref_id`` (absent or ``null``), or it does
                not fit ``into``; its ``path`` starts at ``$.data.<ref_id>``.
        """
        try:
            result: T = structure(self.data.get(ref_id), into)
        except DecodeError as exc:
            missing = "" if ref_id in self.data else " (absent)"
            raise DecodeError(
                f"item {self.reference} value {ref_id!r}{missing}: {exc.message}",
                path=f"$.data.{ref_id}{exc.path[1:]}",
                excerpt=exc.excerpt,
            ) from None
        return result
