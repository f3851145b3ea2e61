"""Running the `enspace` command line against an emulator from a test."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner, Result

from enspace_async.cli._app import app
from enspace_async.testing import EnspaceEmulator


def env_of(emu: EnspaceEmulator, **more: str | None) -> dict[str, str | None]:
    """The three ``ENSPACE_*`` variables that point the command line at ``emu``, and ``more``."""
    base = {"ENSPACE_API_KEY": emu.api_key, "ENSPACE_API_URL": emu.url}
    return {**base, "ENSPACE_WORKSPACE_ID": "acme", **more}


async def invoke(
    emu: EnspaceEmulator | None, *args: str, within: float = 50, **env: str | None
) -> Result:
    """Run ``enspace ARGS`` in a thread (its own event loop) while ``emu`` serves here."""
    runner = CliRunner(env={**(env_of(emu) if emu else {}), **env})
    async with asyncio.timeout(within):
        return await asyncio.to_thread(runner.invoke, app, list(args))
