"""Realistic item data: the value kinds of the API's notes (§6), deterministic per seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["item_data", "item_page", "wire_item"]

_WORDS = (
    "contrato",
    "fornecedor",
    "serviço",
    "manutenção",
    "anual",
    "revisão",
    "cliente",
    "entrega",
    "prazo",
    "nota",
    "fiscal",
    "pagamento",
    "aprovado",
    "pendente",
    "Recife",
    "Olinda",
    "São",
    "Paulo",
    "Curitiba",
    "projeto",
    "equipe",
    "suporte",
)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _stamp(rng: random.Random) -> str:
    moment = _EPOCH + timedelta(
        seconds=rng.randrange(0, 90 * 86400), milliseconds=rng.randrange(1000)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _relation(rng: random.Random) -> dict[str, Any]:
    number = rng.randrange(10_000, 99_999)
    return {"id": number, "display": _words(rng, 2).title(), "reference": f"FORNC{number:09X}"}


def item_data(rng: random.Random) -> dict[str, Any]:
    """One item's ``data``: text, numbers, currency, dates, lists, relations, an address."""
    amount = round(rng.uniform(10, 50_000), 2)
    return {
        "titulo": _words(rng, 4).capitalize(),
        "descricao": _words(rng, 30),
        "tipo": rng.choice(["hotfix", "feature", "contrato", "aditivo"]),
        "email": f"contato{rng.randrange(1000)}@example.com",
        "quantidade": rng.randrange(1, 500),
        "taxa": round(rng.random() * 10, 4),
        "valor": {"currency": "BRL", "value": amount, "originalValue": amount},
        "ativo": rng.random() < 0.8,
        "inicio": (_EPOCH + timedelta(days=rng.randrange(365))).date().isoformat(),
        "vencimento": _stamp(rng),
        "tags": [rng.choice(_WORDS) for _ in range(rng.randrange(1, 5))],
        "fornecedor": _relation(rng),
        "contatos": [_relation(rng) for _ in range(rng.randrange(1, 4))],
        "endereco": {
            "street": "Rua " + _words(rng, 2).title(),
            "number": str(rng.randrange(1, 3000)),
            "complement": "",
            "neighborhood": rng.choice(_WORDS).title(),
            "city": rng.choice(["Recife", "Olinda", "Curitiba"]),
            "state": "PE",
            "zip": f"{rng.randrange(10_000_000, 99_999_999)}",
            "country": "BR",
        },
    }


def wire_item(rng: random.Random, number: int) -> dict[str, Any]:
    """One item as the API sends it."""
    return {
        "id": number,
        "reference": f"DEM{number:011X}",
        "status": "active",
        "created_at": _stamp(rng),
        "updated_at": _stamp(rng),
        "data": item_data(rng),
    }


def item_page(size: int = 100, seed: int = 7) -> list[dict[str, Any]]:
    """A list page of ``size`` items."""
    rng = random.Random(seed)
    return [wire_item(rng, n) for n in range(1, size + 1)]
