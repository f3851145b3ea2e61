"""Realistic demo values for every common field type, deterministic from a ``random.Random``."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["DEFAULT_FIELDS", "field_specs", "value_maker"]

Maker = Callable[[random.Random, int], Any]

_FIRST = ("Ana", "Bruno", "Carla", "Diego", "Elena", "Felipe", "Gabriela", "Hugo", "Iris", "João")
_LAST = ("Silva", "Souza", "Costa", "Santos", "Oliveira", "Pereira", "Lima", "Ferreira")
_WORDS = ("contract", "renewal", "invoice", "audit", "review", "supply", "service", "license")
_CITIES = (("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Curitiba", "PR"), ("Recife", "PE"))
_OPTIONS = ("low", "medium", "high", "urgent")

DEFAULT_FIELDS: dict[str, str] = {
    "title": "inputText",
    "description": "EnTextArea",
    "email": "email",
    "amount": "EnlNumber",
    "price": "EnCurrency",
    "priority": "EnlDropdown",
    "tags": "multiSelect",
    "active": "inputSwitch",
    "due_date": "EnlCalendar",
    "address": "EnAddress",
    "attachment": "uploadFile",
    "labels": "EnlChips",
}


def field_specs(
    fields: Mapping[str, str] | Sequence[Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """Return create-field bodies for ``fields`` (``{refId: type}`` or full bodies)."""
    if fields is None:
        fields = DEFAULT_FIELDS
    if isinstance(fields, Mapping):
        fields = [
            {"name": ref, "slug": ref, "label": ref.replace("_", " ").title(), "type": kind}
            for ref, kind in fields.items()
        ]
    specs = []
    for order, spec in enumerate(fields):
        body = {"order": order, **spec}
        if body["type"] in ("EnlDropdown", "radioButton", "multiSelect", "checkbox"):
            body.setdefault("options", [{"value": o, "label": o.title()} for o in _OPTIONS])
        specs.append(body)
    return specs


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _date(rng: random.Random) -> str:
    return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _address(rng: random.Random, n: int) -> dict[str, Any]:
    city, state = rng.choice(_CITIES)
    return {
        "street": f"Rua {rng.choice(_LAST)}",
        "number": str(rng.randint(1, 2000)),
        "complement": None,
        "neighborhood": "Centro",
        "city": city,
        "state": state,
        "zip": f"{rng.randint(10000, 99999)}-{rng.randint(0, 999):03d}",
        "country": "BR",
    }


def _money(rng: random.Random, n: int) -> dict[str, Any]:
    value = round(rng.uniform(10, 100_000), 2)
    return {"currency": "USD", "value": value, "originalValue": value}


def _file(kind: str) -> Maker:
    ext, mime = {"uploadImage": ("png", "image/png"), "EnPDF": ("pdf", "application/pdf")}.get(
        kind, ("txt", "text/plain")
    )

    def make(rng: random.Random, n: int) -> dict[str, Any]:
        name = f"{rng.choice(_WORDS)}-{n}.{ext}"
        return {
            "url": f"https://files.example.com/{name}",
            "filename": name,
            "mime": mime,
            "size": rng.randint(1_000, 5_000_000),
        }

    return make


def _options(field: Mapping[str, Any]) -> list[str]:
    return [str(o["value"]) for o in field.get("options") or []] or list(_OPTIONS)


_MAKERS: dict[str, Maker] = {
    "inputText": lambda rng, n: f"{rng.choice(_WORDS).title()} {n}",
    "EnTextArea": lambda rng, n: f"{rng.choice(_WORDS).title()} for {_name(rng)}.",
    "EnHtml": lambda rng, n: f"<p>{rng.choice(_WORDS)} {n}</p>",
    "email": lambda rng, n: f"user{n}@example.com",
    "EnlNumber": lambda rng, n: rng.randint(0, 10_000),
    "EnCurrency": _money,
    "inputSwitch": lambda rng, n: rng.random() < 0.5,
    "EnlCheckbox": lambda rng, n: rng.random() < 0.5,
    "EnlCalendar": lambda rng, n: _date(rng),
    "EnlChips": lambda rng, n: rng.sample(_WORDS, 2),
    "EnAddress": _address,
    "uploadFile": _file("uploadFile"),
    "uploadImage": _file("uploadImage"),
    "EnPDF": _file("EnPDF"),
}


def value_maker(field: Mapping[str, Any]) -> Maker | None:
    """Return a maker of demo values for ``field``, or ``None`` to leave it empty."""
    kind = field["type"]
    if kind in ("EnlDropdown", "radioButton"):
        choices = _options(field)
        return lambda rng, n: rng.choice(choices)
    if kind in ("multiSelect", "checkbox"):
        choices = _options(field)
        return lambda rng, n: rng.sample(choices, min(2, len(choices)))
    return _MAKERS.get(kind)
