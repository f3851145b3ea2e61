"""Typed helpers for the item values that are objects on the wire.

Put them straight into ``items.create(slug, data={...})`` (the converter writes their wire
form) and read them back with ``item.value("preco", Currency)``. Which helper fits which
field type: ``EnCurrency`` → :class:`Currency`, ``EnRel`` → :class:`Relation` (``EnRelMulti``
→ ``list[Relation]``), ``EnAddress`` → :class:`Address`, ``uploadFile`` / ``uploadImage`` /
``EnPDF`` → :class:`FileRef`.
"""

from __future__ import annotations

import attrs

from ._wire import register, wire_field

__all__ = ["Address", "Currency", "FileRef", "Relation"]


@register
@attrs.frozen(kw_only=True)
class Currency:
    """An amount of money (``EnCurrency``).

    Attributes:
        currency: the ISO 4217 code, such as ``"BRL"``.
        value: the amount.
        original_value: ``originalValue`` on the wire; the amount as first entered
            (defaults to ``value``).
    """

    currency: str
    value: float
    original_value: float = wire_field(
        "originalValue", default=attrs.Factory(lambda self: self.value, takes_self=True)
    )


@register
@attrs.frozen(kw_only=True)
class Relation:
    """A link to another item (``EnRel``); written as ``{id, reference}``.

    Attributes:
        id: the linked item's id.
        reference: the linked item's reference.
        display: the label the server shows for it (read-only).
    """

    id: int
    reference: str
    display: str | None = wire_field(read_only=True, default=None)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class Address:
    """A postal address (``EnAddress``); parts left as ``None`` are not written."""

    street: str | None = None
    number: str | int | None = None
    complement: str | None = None
    neighborhood: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class FileRef:
    """An uploaded file (``uploadFile``, ``uploadImage``, ``EnPDF``).

    Attributes:
        url: where the file can be fetched.
        size: in bytes.
    """

    url: str
    filename: str | None = None
    mime: str | None = None
    size: int | None = None
