"""Run the emulator standalone: ``python -m enspace_async.testing --port 8765 --demo-data``.

Once serving it prints one machine-readable line and the three settings to paste into a shell
for the SDK's ``EnspaceClient.from_env()`` and the ``enspace`` CLI, then runs until Ctrl-C or
SIGTERM::

    ENSPACE_EMULATOR url=http://127.0.0.1:8765 key=en.xxx workspace=acme
    export ENSPACE_API_URL=http://127.0.0.1:8765
    export ENSPACE_API_KEY=en.xxx
    export ENSPACE_WORKSPACE_ID=acme
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
from collections.abc import Sequence

from ._emulator import EnspaceEmulator
from ._faults import KINDS
from ._ratelimit import RateLimit
from ._state import SCOPES, EmulatedApiKey

__all__ = ["main", "parse_args", "serve"]


def parse_args(
    argv: Sequence[str] | None = None, prog: str = "python -m enspace_async.testing"
) -> argparse.Namespace:
    """Parse the command line (``prog`` names the command in the usage line)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workspace", default="acme", help="the default workspace slug")
    parser.add_argument("--api-key", help="use this key (default: one derived from the seed)")
    parser.add_argument("--demo-data", action="store_true", help="seed demo types and items")
    parser.add_argument("--demo-items", type=int, default=250, help="items per demo type")
    parser.add_argument("--rate-limit", type=float, help="requests per second per key")
    parser.add_argument("--burst", type=int, help="rate-limit bucket size")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:RATE",
        help=f"inject a fault at a rate, e.g. 503:0.05 (kinds: {', '.join(KINDS)})",
    )
    parser.add_argument("--log-limit", type=int, default=10_000, help="request records kept")
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> EnspaceEmulator:
    """Build the emulator the arguments describe (not started)."""
    limit = RateLimit(args.rate_limit, args.burst) if args.rate_limit else None
    emu = EnspaceEmulator(
        seed=args.seed,
        rate_limit=limit,
        workspace=args.workspace,
        host=args.host,
        port=args.port,
        log_limit=args.log_limit,
    )
    if args.api_key:
        key = EmulatedApiKey(
            len(emu.state.keys) + 1, args.api_key, frozenset(SCOPES), None, "cli key"
        )
        emu.state.keys[args.api_key] = key
        emu.api_key = args.api_key
    if args.latency:
        emu.faults.add("latency", seconds=args.latency)
    for spec in args.fault:
        kind, _, rate = spec.partition(":")
        emu.faults.add(kind, rate=float(rate or 1))
    if args.demo_data:
        emu.seed_type("contracts", items=args.demo_items)
        emu.seed_type("suppliers", items=args.demo_items // 5 or 1)
        emu.add_flow("contracts", "Approval", ["Draft", "Review", "Signed"])
    return emu


async def serve(
    args: argparse.Namespace,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM when it is not given); set ``ready`` once
    the ready lines are printed."""
    emu = build(args)
    stop = stop or _signal_event()
    async with emu:
        settings = {
            "ENSPACE_API_URL": emu.url,
            "ENSPACE_API_KEY": emu.api_key,
            "ENSPACE_WORKSPACE_ID": emu.workspace or "",
        }
        ready_line = f"ENSPACE_EMULATOR url={emu.url} key={emu.api_key} workspace={emu.workspace}"
        exports = [f"export {name}={shlex.quote(value)}" for name, value in settings.items()]
        print(ready_line, *exports, sep="\n", flush=True)
        if ready is not None:
            ready.set()
        await stop.wait()


def _signal_event() -> asyncio.Event:  # pragma: no cover - exercised by the subprocess test
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, event.set)
    return event


def main(argv: Sequence[str] | None = None) -> None:
    """The command-line entry point."""
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":  # pragma: no cover
    main()
