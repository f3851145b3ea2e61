"""The error bodies the emulator answers with: ``{"statusCode", "error", "message"}``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = ["Problem", "error_body"]


class Problem(Exception):
    """Raised by a handler to answer with an error status and the documented error body."""

    def __init__(self, status: int, message: str | list[str]):
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(status: int, message: str | list[str]) -> dict[str, Any]:
    """Return the documented error body for ``status``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"statusCode": status, "error": phrase, "message": message}


def not_found(what: str) -> Problem:
    """Return a 404 problem for ``what``."""
    return Problem(404, f"{what} not found")


def invalid(*messages: str) -> Problem:
    """Return a 400 validation problem whose message is a list of strings."""
    return Problem(400, list(messages))
