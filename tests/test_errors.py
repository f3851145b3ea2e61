"""The one error mapping: statuses and bodies to exceptions, and their text."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from email.utils import format_datetime as http_date

import orjson
import pytest

from enspace_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RequestTimeout,
    ServerError,
    UnprocessableEntityError,
)
from enspace_async._protocol.errors import error_from_response
from enspace_async._protocol.ratesignal import parse_retry_after


def body(status: int, error: str, message: object) -> bytes:
    return orjson.dumps({"statusCode": status, "error": error, "message": message})


@pytest.mark.parametrize(
    ("status", "content", "cls", "text"),
    [
        (
            400,
            body(400, "Bad Request", "en-workspace header is required"),
            BadRequestError,
            "400 Bad Request: en-workspace header is required",
        ),
        (
            400,
            body(400, "Bad Request", ["data.valor must be a number", "data.nome is required"]),
            BadRequestError,
            "400 Bad Request: data.valor must be a number; data.nome is required",
        ),
        (
            401,
            body(401, "Unauthorized", "Invalid or missing API key"),
            AuthenticationError,
            "401 Unauthorized: Invalid or missing API key",
        ),
        (
            403,
            body(403, "Forbidden", "Token not authorized for this workspace"),
            PermissionDeniedError,
            "403 Forbidden: Token not authorized for this workspace",
        ),
        (
            404,
            body(404, "Not Found", "Item not found"),
            NotFoundError,
            "404 Not Found: Item not found",
        ),
        (409, body(409, "Conflict", "slug exists"), ConflictError, "409 Conflict: slug exists"),
        (
            422,
            body(422, "Unprocessable Entity", "nope"),
            UnprocessableEntityError,
            "422 Unprocessable Entity: nope",
        ),
        (
            429,
            body(429, "Too Many Requests", "slow down"),
            RateLimitError,
            "429 Too Many Requests: slow down",
        ),
        (
            500,
            body(500, "Internal Server Error", "boom"),
            ServerError,
            "500 Internal Server Error: boom",
        ),
        (
            503,
            b"<html><body>Service Unavailable</body></html>",
            ServerError,
            "503 Service Unavailable: <html><body>Service Unavailable</body></html>",
        ),
        (502, b"", ServerError, "502 Bad Gateway: Bad Gateway"),
        # The reason is http.HTTPStatus's phrase; a status it does not know is "Error".
        (418, b"{}", APIError, "418 I'm a Teapot: I'm a Teapot"),
        (599, b"{}", ServerError, "599 Error: Error"),
        (499, b"", APIError, "499 Error: Error"),
        (
            404,
            b'{"statusCode": 404, "error": "Not Found"}',
            NotFoundError,
            "404 Not Found: Not Found",
        ),
        (400, b"[1, 2]", BadRequestError, "400 Bad Request: [1, 2]"),
    ],
)
def test_error_mapping(status: int, content: bytes, cls: type[APIError], text: str) -> None:
    error = error_from_response(status, {}, content)
    assert type(error) is cls
    assert error.status == status
    assert str(error) == text


def test_request_id_is_in_the_text() -> None:
    error = error_from_response(
        404, {"x-request-id": "req-7"}, body(404, "Not Found", "Item not found")
    )
    assert error.request_id == "req-7"
    assert str(error) == "404 Not Found: Item not found (request_id=req-7)"


def test_validation_messages_stay_a_list() -> None:
    error = error_from_response(400, {}, body(400, "Bad Request", ["a", "b"]))
    assert error.messages == ["a", "b"]
    assert error.message == "a; b"


def test_rate_limit_error_reads_retry_after() -> None:
    error = error_from_response(429, {"retry-after": "7"}, b"")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    assert error_from_response(429, {}, b"").retry_after is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "error",
    [
        error_from_response(400, {"x-request-id": "r"}, body(400, "Bad Request", ["x", "y"])),
        error_from_response(429, {"retry-after": "3"}, b""),
        ConnectError("cannot connect", method="GET", path="/ws/types"),
        RequestTimeout("timed out", method="POST", path="/ws/types", sent=False),
        ProtocolError("cut", method="PUT", path="/x"),
        DecodeError("bad", path="$[0].id", excerpt="[{"),
    ],
)
def test_errors_pickle(error: Exception) -> None:
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert vars(clone) == vars(error)


def test_transport_errors_say_whether_the_request_was_sent() -> None:
    assert ConnectError("x").sent is False
    assert ProtocolError("x").sent is True
    assert RequestTimeout("x", sent=False).sent is False
    assert str(ConnectError("refused", method="GET", path="/ws/types")) == "refused (GET /ws/types)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("0.5", 0.5),
        (" 2 ", 2.0),
        ("-3", 0.0),
        ("nan", None),
        ("", None),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 27, 50, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now=now) == expected


def test_parse_retry_after_date_defaults_to_the_clock() -> None:
    later = http_date(datetime(2999, 1, 1, tzinfo=UTC), usegmt=True)
    assert (parse_retry_after(later) or 0) > 1e9
