"""A learned rate carried from one run to the next: ``RateLimiter(state_file=...)``.

A cold limiter knows nothing of the server's limit, so a program's first fraction of a second
sends a volley that the server answers with 429s until the first cut. The rate learned by the
last run, read at start, removes it. The file is small JSON written atomically (a temporary
file in the same folder, flushed to disk, renamed over the old one) when the client closes::

    {"version": 1, "key": "<hash of the origin and the API key>", "rate": 190.5,
     "saved_at": 1764619200.0}

It holds no key, only a hash of it with the API origin, so a file written for another key or
server is not used. A torn, foreign or unreadable file, or one older than :data:`MAX_AGE`, is
ignored with one log line and the limiter starts cold: the file is a hint, never a reason to
fail. (A :class:`~enspace_async.redis.RedisLimiter` already shares its state between runs.)
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from pathlib import Path
from typing import Any

import orjson

from .._observe import logger

__all__ = ["MAX_AGE", "identity", "load", "save"]

VERSION = 1
MAX_AGE = 24 * 3600.0
"""A rate saved longer ago than this (seconds) is not used: the server's limits may have moved."""


def identity(origin: str, api_key: str) -> str:
    """The hash a state file is written for: the API origin and the key, never the key."""
    digest = hashlib.sha256(f"enspace-rate\0{origin}\0{api_key}".encode())
    return digest.hexdigest()[:32]


def load(path: Path, key: str, now: float | None = None) -> float | None:
    """Return the rate saved at ``path`` for ``key``, or ``None`` (and one log line) if the
    file is missing, torn, foreign or stale."""
    try:
        return _read(path, key, time.time() if now is None else now)
    except FileNotFoundError:
        return None  # the first run: nothing to say
    except _Ignored as exc:
        why, level = exc.args
    except OSError as exc:
        why, level = f"cannot be read ({exc.strerror})", logging.WARNING
    logger.log(level, "rate-limiter state file %s %s: ignored, the limiter starts cold", path, why)
    return None


class _Ignored(Exception):
    """Why a state file is not used, and how loud to say so."""


def _read(path: Path, key: str, now: float) -> float:
    try:
        saved: Any = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        raise _Ignored("is not JSON (torn, or not ours)", logging.WARNING) from None
    if not (type(saved) is dict and saved.get("version") == VERSION):
        raise _Ignored("is not a rate-limiter state file of this version", logging.WARNING)
    rate: Any = saved.get("rate")
    saved_at: Any = saved.get("saved_at")
    if not (_number(rate) and rate > 0 and _number(saved_at)):
        raise _Ignored("holds no usable rate", logging.WARNING)
    if saved.get("key") != key:
        raise _Ignored("was written for another API key or server", logging.WARNING)
    age = now - saved_at
    if not 0 <= age <= MAX_AGE:
        raise _Ignored(f"is stale (saved {age / 3600:.1f} h ago)", logging.INFO)
    return float(rate)


def save(path: Path, key: str, rate: float, now: float | None = None) -> None:
    """Write ``rate`` for ``key`` to ``path`` atomically; a failure is logged, never raised."""
    state = {
        "version": VERSION,
        "key": key,
        "rate": rate,
        "saved_at": time.time() if now is None else now,
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            file.write(orjson.dumps(state))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        logger.warning("rate-limiter state file %s not written (%s)", path, exc.strerror)
        temporary.unlink(missing_ok=True)


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)
