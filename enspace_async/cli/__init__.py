"""The ``enspace`` command line: ``enspace import``, ``export``, ``types``, ``count``,
``emulator`` and ``demo``. Needs the ``cli`` extra (``pip install enspace-async[cli]``)."""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """Run the ``enspace`` command."""
    try:
        from ._app import app
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise SystemExit(
            f"the enspace command needs the cli extra: pip install 'enspace-async[cli]' ({exc})"
        ) from None
    app()
