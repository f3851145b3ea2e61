"""How a command runs: the client its flags describe, and every failure as one line that
names the flag or variable to fix (``--api-key``/``ENSPACE_API_KEY``, not ``api_key=``)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import typer
from rich.console import Console
from yarl import URL

from .._client import EnspaceClient
from .._config import DEFAULT_BASE_URL
from .._errors import ConfigurationError, ConnectError, EnspaceError

__all__ = ["UserError", "connect", "err_console", "fail", "one_line", "run"]

T = TypeVar("T")


class UserError(Exception):
    """A mistake the user can fix: printed as one line, exit code 1."""


# The SDK's words for its arguments, and the CLI's for the same settings.
_TERMS = (
    (re.compile(r"pass api_key= or set"), "pass --api-key or set"),
    (re.compile(r"pass allow_insecure_http=True"), "pass --allow-insecure-http"),
    (re.compile(r"^api_key "), "--api-key "),
    (re.compile(r"^base_url "), "--url (ENSPACE_API_URL) "),
    (re.compile(r"^type_slug "), "--type "),
    (re.compile(r"^workspace "), "--workspace (ENSPACE_WORKSPACE_ID) "),
    (re.compile(r"^method "), "METHOD "),  # enspace api METHOD PATH
    (re.compile(r"^path "), "PATH "),
    (
        re.compile(r"^\S+ is workspace-scoped: .*"),
        "this command needs a workspace: pass --workspace or set ENSPACE_WORKSPACE_ID",
    ),
)
_USER_ERRORS = (UserError, EnspaceError, OSError)


def err_console() -> Console:
    """The console for progress and errors: standard error."""
    return Console(stderr=True)


@asynccontextmanager
async def connect(
    api_key: str | None,
    url: str | None,
    workspace: str | None,
    *,
    allow_insecure_http: bool = False,
) -> AsyncIterator[EnspaceClient]:
    """Open a client from the flags (the ``ENSPACE_*`` variables are read by typer).

    ``http://`` goes only to loopback unless ``allow_insecure_http``, as in the SDK. A
    connection that cannot be made is a :class:`UserError` naming the host.
    """
    base_url = url or DEFAULT_BASE_URL
    client = EnspaceClient(
        api_key=api_key,
        base_url=base_url,
        workspace=workspace or None,
        allow_insecure_http=allow_insecure_http,
    )
    async with client:
        try:
            yield client
        except ConnectError as exc:
            raise UserError(_unreachable(base_url, exc)) from None


def _unreachable(base_url: str, exc: ConnectError) -> str:
    parsed = URL(base_url)
    reason = exc.message.removeprefix("cannot connect: ")
    return (
        f"cannot connect to {parsed.host}:{parsed.port} ({reason}); check --url or ENSPACE_API_URL"
    )


def fail(exc: BaseException) -> typer.Exit:
    """Print ``exc`` as one ``error:`` line on standard error; return the exit to raise."""
    err_console().print(f"[red]error:[/red] {one_line(exc)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def run(job: Callable[[], Awaitable[T]]) -> T:
    """Run a command's coroutine; turn user mistakes into one line and exit code 1.

    A closed standard output (``enspace export | head``) is left to typer, which exits
    quietly with code 1.
    """
    try:
        return asyncio.run(_call(job))
    except BrokenPipeError:
        raise
    except _USER_ERRORS as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        err_console().print("interrupted", highlight=False)
        raise typer.Exit(130) from None


async def _call(job: Callable[[], Awaitable[T]]) -> T:
    return await job()


def one_line(exc: BaseException) -> str:
    """``exc`` as one line, in the CLI's words."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ConfigurationError):
        for pattern, words in _TERMS:
            text = pattern.sub(words, text)
    return text
