"""Typed helpers for the item values that are objects on the wire: the one place where item
value kinds are decoded.

Put them straight into ``items.create(slug, data={...})`` (the converter writes their wire
form) and read them back with ``item.value("preco", Currency)``. Which helper fits which
field type: ``EnCurrency`` → :class:`Currency`, ``EnRel`` → :class:`Relation` (``EnRelMulti``
→ ``list[Relation]``), ``EnAddress`` → :class:`Address`, ``uploadFile`` / ``uploadImage`` /
``EnPDF`` → :class:`FileRef` (several files: ``list[FileRef]``). A ``null``, a bare number or
another shape raises :class:`~enspace_async.DecodeError` with the value's path; only a
:class:`Relation` may be a bare id.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from ._wire import register, wire_field

__all__ = ["Address", "Currency", "FileRef", "Relation"]


@register
@attrs.frozen(kw_only=True)
class Currency:
    """An amount of money (``EnCurrency``).

    ``value`` is what the JSON held (a float once parsed); :attr:`amount` is the same amount
    as a :class:`~decimal.Decimal` with the digits the server wrote. Pass a ``Decimal`` as
    ``value`` to send an amount exactly.

    Attributes:
        currency: the ISO 4217 code, such as ``"BRL"``.
        value: the amount.
        original_value: ``originalValue`` on the wire; the amount as first entered
            (defaults to ``value``).
        extra: every other key, and raw values that did not fit.
    """

    currency: str
    value: float | Decimal
    original_value: float | Decimal | None = wire_field(  # noqa: RUF009 - an attrs field
        "originalValue", default=attrs.Factory(lambda self: self.value, takes_self=True)
    )
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def amount(self) -> Decimal:
        """The amount as a ``Decimal``: exact for the up to 15 significant digits of money."""
        # repr() of a float is the shortest text that reads back as it, which is the text the
        # server wrote whenever that had 15 significant digits or fewer.
        return self.value if isinstance(self.value, Decimal) else Decimal(repr(self.value))


@register(omit_none=True, from_id=True)
@attrs.frozen(kw_only=True)
class Relation:
    """A link to another item (``EnRel``); written as ``{id, reference}``.

    Attributes:
        id: the linked item's id (a bare id on the wire loads as a relation without the rest).
        reference: the linked item's reference.
        display: the label the server shows for it (read-only).
        extra: every other key the server sent (read-only).
    """

    id: int
    reference: str | None = None
    display: str | None = wire_field(read_only=True, default=None)
    extra: dict[str, Any] = wire_field(read_only=True, factory=dict)  # noqa: RUF009 - an attrs field


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
    extra: dict[str, Any] = attrs.field(factory=dict)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class FileRef:
    """An uploaded file (``uploadFile``, ``uploadImage``, ``EnPDF``).

    Attributes:
        url: where the file can be fetched.
        mime: the media type (read from ``mimeType`` too).
        size: in bytes.
    """

    url: str
    filename: str | None = None
    mime: str | None = wire_field(alt="mimeType", default=None)
    size: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
