"""The checks of every argument the client takes, each raising ConfigurationError naming it.

The constructor, :meth:`~enspace_async.EnspaceClient.with_workspace` and
:meth:`~enspace_async.EnspaceClient.request` call these before anything is built or sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cattrs.errors import StructureHandlerNotFoundError

from ._config import ENV_KEY, Secret, expect, header_text, positive, whole
from ._converter import converter
from ._errors import ConfigurationError
from ._middleware.retry import RetryBudget, RetryPolicy
from ._observe import Hooks
from ._ratelimit import RateLimiter
from ._version import __version__
from .transports import Transport

__all__ = [
    "check_call",
    "check_key",
    "check_parts",
    "check_workspace",
    "limiter",
    "max_in_flight",
    "retry_policy",
    "user_agent",
]


def check_key(key: Secret, foreign: str | None) -> None:
    """Refuse a missing key, a non-str one (``foreign`` names its type) or one no header holds."""
    # Reads the key through key.reveal() only, so no local of a frame that raises holds it.
    if foreign is not None:
        raise ConfigurationError(f"api_key must be a str, got a {foreign}")
    if not key.reveal():
        raise ConfigurationError(f"an API key is required (pass api_key= or set {ENV_KEY})")
    if not header_text(key.reveal(), spaces=False):
        raise ConfigurationError(
            "api_key must be printable ASCII without spaces, line breaks or control "
            "characters: it is sent as the x-api-key header"
        )


def check_parts(
    transport: Any,
    middlewares: Any,
    allow_insecure_http: Any,
    retry_budget: Any,
    hooks: Any,
    sleep: Any,
    clock: Any,
) -> None:
    """Check the constructor arguments that are only checked, not converted."""
    is_transport = transport is None or isinstance(transport, Transport)
    expect("transport", transport, is_transport, "a Transport (with async send and aclose)")
    chain = isinstance(middlewares, Sequence) and not isinstance(middlewares, str | bytes)
    chain = chain and all(callable(m) for m in middlewares)
    expect("middlewares", middlewares, chain, "a sequence of (request, call_next) callables")
    flag = isinstance(allow_insecure_http, bool)
    expect("allow_insecure_http", allow_insecure_http, flag, "True or False")
    budget = retry_budget is None or isinstance(retry_budget, RetryBudget)
    expect("retry_budget", retry_budget, budget, "a RetryBudget (with async withdraw and deposit)")
    expect("hooks", hooks, hooks is None or isinstance(hooks, Hooks), "a Hooks")
    expect("sleep", sleep, callable(sleep), "an async function taking seconds")
    expect("clock", clock, callable(clock), "a function returning monotonic seconds")


def user_agent(value: Any) -> str:
    """Return the ``user-agent`` header: ``value`` (printable ASCII) before ours."""
    agent = f"enspace-async/{__version__}"
    if value is None or value == "":
        return agent
    ok = isinstance(value, str) and header_text(value)
    expect("user_agent", value, ok, "printable ASCII with no CR, LF or surrounding spaces")
    return f"{value} {agent}"


def retry_policy(value: Any) -> RetryPolicy:
    """Return ``retry=`` as a policy: a RetryPolicy, a number of attempts, or None."""
    attempts = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    ok = value is None or isinstance(value, RetryPolicy) or attempts
    expect("retry", value, ok, "a RetryPolicy, a number of attempts (1 or more) or None")
    return RetryPolicy.of(value)


def limiter(value: Any) -> RateLimiter:
    """Return ``rate_limit=`` as a limiter: a RateLimiter, requests per second, or None."""
    if isinstance(value, RateLimiter):
        return value
    what = "a RateLimiter, a ceiling in requests per second (a positive number) or None"
    return RateLimiter.of(positive("rate_limit", value, what))


def max_in_flight(value: Any) -> int | None:
    """Return ``max_in_flight=``: None, or a whole number (0: no cap)."""
    return None if value is None else whole("max_in_flight", value, 0)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
# An encoded path: "/"-separated segments of RFC 3986 pchars (unreserved, sub-delims, ":", "@")
# and %XX escapes, sent exactly as given; "." and ".." segments would be resolved away.
_PATH = re.compile(r"(/([\w\-.~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+", re.ASCII)
_DOTS = re.compile(r"/\.\.?(/|$)")


def check_call(method: Any, path: Any, into: Any, workspace_scoped: Any) -> None:
    """Check the arguments of :meth:`~enspace_async.EnspaceClient.request`."""
    known = isinstance(method, str) and method.isascii() and method.upper() in _METHODS
    expect("method", method, known, f"one of {', '.join(_METHODS)}")
    rooted = isinstance(path, str) and path.startswith("/") and not path.startswith("//")
    expect("path", path, rooted, "a str that must start with '/' (one, then the route)")
    encoded = _PATH.fullmatch(path) is not None and _DOTS.search(path) is None
    what = "an encoded path ('/c-flow-items'), without spaces, query, fragment or '.' segments"
    expect("path", path, encoded, what)
    expect("workspace_scoped", workspace_scoped, isinstance(workspace_scoped, bool), "a bool")
    try:
        if into is not None:
            converter.get_structure_hook(into)
        decodable = True
    except (StructureHandlerNotFoundError, TypeError):
        decodable = False
    expect("into", into, decodable, "a type to decode into (a model, list[Model], dict...)")


def check_workspace(workspace: Any) -> str | None:
    """Return ``workspace``: None, or a slug of printable ASCII without spaces."""
    slug = workspace is None or (
        isinstance(workspace, str) and header_text(workspace, spaces=False)
    )
    expect("workspace", workspace, slug, "a slug of printable ASCII without spaces, or None")
    return workspace  # type: ignore[no-any-return]
