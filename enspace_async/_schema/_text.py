"""Values from the plain text a CSV cell holds, by field kind: the one place for it.

A cell that starts with ``[`` or ``{`` is read as JSON for every kind. Otherwise, by kind:

- ``EnlNumber``: ``42``, ``-3.5``, ``1,234.5``; with ``decimal_comma``: ``3.750,25``. Whole
  numbers load as ``int``, the rest as an exact ``Decimal``.
- ``EnCurrency``: a number with an optional code or symbol before or after it (``R$ 1.234,56``,
  ``BRL 10``, ``10 USD``, ``€5``); without one, ``TextFormat.currency`` names it.
- ``EnlCalendar``: with ``date_format`` (``"%d/%m/%Y"``), a date (or a date-time when the
  format has a time) written as ISO-8601; without it the text is kept (ISO is expected).
- ``inputSwitch``/``EnlCheckbox``: ``true``/``false``, ``1``/``0``, ``yes``/``no``, ``y``/``n``,
  ``sim``/``não``, ``s``, ``on``/``off`` (any case).
- ``multiSelect``/``checkbox``/``EnlChips``: ``a|b|c`` (``list_separator``).
- ``EnRel``: an item id (digits) or a reference; ``EnRelMulti``: several, ``a|b``.

A cell that does not convert stays text, so that validation names it with its field
(``data.amount must be a number``) instead of the conversion guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import orjson

from ..models import Currency

__all__ = ["TextFormat", "from_text"]

_TRUE = frozenset({"true", "1", "yes", "y", "sim", "s", "on", "verdadeiro"})
_FALSE = frozenset({"false", "0", "no", "n", "não", "nao", "off", "falso"})
_SYMBOLS = {"R$": "BRL", "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP"}
_POINT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_MONEY = re.compile(
    r"(?P<pre>[A-Za-z]{3}|R\$|US\$|[$€£])?\s*(?P<num>[-+\d.,]+)\s*(?P<post>[A-Za-z]{3})?"
)
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%f", "%p", "%z", "%X", "%c")


@attrs.frozen(kw_only=True)
class TextFormat:
    """How the text of a CSV is written.

    Attributes:
        decimal_comma: numbers use a decimal comma and dot thousands (``3.750,25``).
        date_format: a :func:`~datetime.datetime.strptime` format for dates (``"%d/%m/%Y"``).
        currency: the ISO 4217 code of amounts written without one (``"BRL"``).
        list_separator: what separates the values of a list cell.
    """

    decimal_comma: bool = False
    date_format: str | None = None
    currency: str | None = None
    list_separator: str = "|"

    @classmethod
    def pt_br(cls) -> TextFormat:
        """The way a Brazilian spreadsheet writes: ``3.750,25``, ``25/12/2024``, reais."""
        return cls(decimal_comma=True, date_format="%d/%m/%Y", currency="BRL")


_PLAIN = TextFormat()


def _number(text: str, fmt: TextFormat) -> int | Decimal | None:
    compact = text.replace(" ", "")
    pattern = _COMMA if fmt.decimal_comma else _POINT
    if not pattern.fullmatch(compact):
        return None
    thousands, point = (".", ",") if fmt.decimal_comma else (",", ".")
    plain = compact.replace(thousands, "").replace(point, ".")
    if "." not in plain:
        return int(plain)
    try:
        return Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _to_number(text: str, fmt: TextFormat) -> Any:
    found = _number(text, fmt)
    return text if found is None else found


def _to_currency(text: str, fmt: TextFormat) -> Any:
    match = _MONEY.fullmatch(text)
    amount = _number(match["num"], fmt) if match else None
    if match is None or amount is None or (match["pre"] and match["post"]):
        return text
    mark = match["pre"] or match["post"]
    code = _SYMBOLS.get(mark, mark.upper()) if mark else fmt.currency
    value = Decimal(amount)
    if code is None:
        return {"value": value}
    return Currency(currency=code, value=value)


def _to_date(text: str, fmt: TextFormat) -> Any:
    if fmt.date_format is None:
        return text
    try:
        moment = datetime.strptime(text, fmt.date_format)
    except ValueError:
        return text
    if any(d in fmt.date_format for d in _TIME_DIRECTIVES):
        return moment.isoformat()
    return moment.date().isoformat()


def _to_bool(text: str, fmt: TextFormat) -> Any:
    word = text.lower()
    if word in _TRUE:
        return True
    return False if word in _FALSE else text


def _parts(text: str, fmt: TextFormat) -> list[str]:
    return [p.strip() for p in text.split(fmt.list_separator) if p.strip()]


def _link(text: str) -> dict[str, Any]:
    return {"id": int(text)} if text.isascii() and text.isdigit() else {"reference": text}


_CONVERT: dict[str, Callable[[str, TextFormat], Any]] = {
    "EnlNumber": _to_number,
    "EnCurrency": _to_currency,
    "EnlCalendar": _to_date,
    "inputSwitch": _to_bool,
    "EnlCheckbox": _to_bool,
    "multiSelect": _parts,
    "checkbox": _parts,
    "EnlChips": _parts,
    "EnRel": lambda text, fmt: _link(text),
    "EnRelMulti": lambda text, fmt: [_link(p) for p in _parts(text, fmt)],
}


def from_text(cell: str, kind: str | None, fmt: TextFormat | None = None) -> Any:
    """Return the value a CSV ``cell`` stands for in a field of ``kind`` (see the module)."""
    text = cell.strip()
    if text[:1] in ("[", "{"):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return cell
    convert = _CONVERT.get(kind) if kind is not None else None
    return cell if convert is None else convert(text, fmt or _PLAIN)
