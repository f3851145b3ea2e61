"""Row 2, decoding: one 100-item page, bytes to models, through our converter and the others.

Contenders, all fed the same bytes: ``enspace_async._converter.decode(body, list[Item])``
(orjson, then the loader ``models._loader`` generates for ``Item``), pydantic v2
(``TypeAdapter(list[Model]).validate_json``), msgspec (``msgspec.json.decode(body,
type=list[Struct])``), and the model-less floors ``json.loads`` and ``orjson.loads``. Every model is the equivalent of :class:`enspace_async.models.Item`:
the same fields, frozen, aware datetimes, ``data`` kept as a plain dict, only ``id`` and
``reference`` required, unknown keys kept (pydantic ``extra="allow"``; msgspec cannot keep
them). Ours also keeps what does not fit instead of failing the page; the others would raise.
Ratios are ``ours / theirs`` (lower is better). Target: at most 0.75x pydantic v2.

"Where the time goes" splits our decode into parsing (orjson) and structuring (our loaders),
and names the functions cProfile finds heaviest inside structuring.
"""

from __future__ import annotations

import cProfile
import json
import pstats
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pydantic

from enspace_async._converter import decode, loads, structure
from enspace_async.models import Item

from ._data import item_page
from ._timing import interleaved, median

TARGET = 0.75  # issue 18 (was 1.0x)
PAGE_SIZE = 100


class PydanticItem(pydantic.BaseModel):
    """pydantic v2 equivalent of ``Item``."""

    model_config = pydantic.ConfigDict(frozen=True, extra="allow")

    id: int
    reference: str
    status: str | None = None
    data: dict[str, Any] = pydantic.Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class MsgspecItem(msgspec.Struct, frozen=True, kw_only=True):
    """msgspec equivalent of ``Item``."""

    id: int
    reference: str
    status: str | None = None
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


def contenders(body: bytes) -> dict[str, Any]:
    """Zero-argument callables that each decode ``body`` one way."""
    adapter = pydantic.TypeAdapter(list[PydanticItem])
    msgspec_decoder = msgspec.json.Decoder(list[MsgspecItem])
    return {
        "enspace-async": lambda: decode(body, list[Item]),
        "pydantic v2": lambda: adapter.validate_json(body),
        "msgspec": lambda: msgspec_decoder.decode(body),
        "json.loads": lambda: json.loads(body),
        "orjson.loads": lambda: orjson.loads(body),
    }


def _check_equivalent(found: dict[str, Any]) -> None:
    ours, theirs = found["enspace-async"], found["pydantic v2"]
    same = [(o.reference, o.created_at, o.data) for o in ours] == [
        (p.reference, p.created_at, p.data) for p in theirs
    ]
    if not same or len(ours) != PAGE_SIZE:
        raise AssertionError("the contenders did not decode the page to the same values")


def where_time_goes(body: bytes, number: int) -> str:
    """Split our decode into parsing and structuring, and name the heaviest functions."""
    parsed = loads(body)
    split = interleaved(
        {"parse": lambda: loads(body), "structure": lambda: structure(parsed, list[Item])},
        rounds=5,
        number=number,
    )
    parse, build = median(split["parse"]), median(split["structure"])
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(number):
        structure(parsed, list[Item])
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values()) or 1.0
    heavy = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:4]
    names = ", ".join(f"{_label(key)} {row[2] / total:.0%}" for key, row in heavy)
    share = parse / (parse + build)
    return (
        f"ours = orjson parse {parse * 1e6:.0f} µs ({share:.0%}) + structuring "
        f"{build * 1e6:.0f} µs ({1 - share:.0%}); structuring self-time by cProfile: {names}"
    )


def _label(key: tuple[str, int, str]) -> str:
    filename, _, function = key
    if filename.startswith("<") and "generated" in filename:  # cattrs/attrs generated code
        owner = filename.strip("<>").split()[-1].rsplit(".", 1)[-1]
        return function if owner in function else f"{owner}.{function}"
    if function.startswith("<built-in method "):
        return function.strip("<>").split()[-1]
    if function.startswith("<method "):  # <method '__set__' of 'member_descriptor' objects>
        _, method, _, owner, _ = function.strip("<>").replace("'", "").split()
        return f"{owner}.{method}"
    return f"{Path(filename).stem}.{function}"  # _kinds.load (a list)


def run(quick: bool) -> list[dict[str, object]]:
    """Time one 100-item page through every contender."""
    body = orjson.dumps(item_page(PAGE_SIZE))
    fns = contenders(body)
    _check_equivalent({name: fn() for name, fn in fns.items()})
    rounds, number = (3, 5) if quick else (15, 40)
    samples = interleaved(fns, rounds=rounds, number=number)
    times = {name: median(values) for name, values in samples.items()}
    ours = times["enspace-async"]
    size = f"{PAGE_SIZE} items, {len(body) / 1024:.0f} KiB"
    rows: list[dict[str, object]] = []
    for name, theirs in times.items():
        if name == "enspace-async":
            continue
        ratio = ours / theirs
        is_target = name == "pydantic v2"
        rows.append(
            {
                "benchmark": "decode page",
                "case": f"vs {name} ({size})",
                "ours": ours * 1e6,
                "baseline": theirs * 1e6,
                "unit": "µs",
                "ratio": ratio,
                "target": f"≤ {TARGET}x" if is_target else None,
                "met": ratio <= TARGET if is_target else None,
                "note": where_time_goes(body, number) if is_target else None,
            }
        )
    return rows
