"""The one answer to "may this write have been applied?": method x failure, as a table."""

from __future__ import annotations

import asyncio

import pytest
from yarl import URL

from enspace_async import (
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    OutcomeUnknownError,
    ProtocolError,
    Request,
    RequestTimeout,
    Response,
    TLSError,
    outcome_unknown,
)
from enspace_async._protocol.errors import error_from_response
from enspace_async._protocol.outcome import Applied, applied, may_resend
from enspace_async.redis import LimiterUnavailableError

NO, YES, UNKNOWN = Applied.NO, Applied.YES, Applied.UNKNOWN


def _response(status: int) -> Response:
    return Response(status, {}, b"", Request("POST", URL("http://127.0.0.1/x")))


FAILURES: list[tuple[str, object, Applied]] = [
    ("200 answer", _response(200), YES),
    ("201 answer", _response(201), YES),
    ("204 answer", _response(204), YES),
    ("304 answer", _response(304), NO),
    ("400 answer", _response(400), NO),
    ("404 error", error_from_response(404, {}, b""), NO),
    ("409 error", error_from_response(409, {}, b""), NO),
    ("429 answer", _response(429), NO),
    ("429 error", error_from_response(429, {}, b""), NO),
    ("500 answer", _response(500), UNKNOWN),
    ("503 error", error_from_response(503, {}, b""), UNKNOWN),
    ("decode error", DecodeError("bad body"), YES),
    ("connect error", ConnectError("refused"), NO),
    ("TLS error", TLSError("bad certificate"), NO),
    ("connect timeout", RequestTimeout("timed out connecting", sent=False), NO),
    ("read timeout", RequestTimeout("timed out"), UNKNOWN),
    ("reset after sending", ProtocolError("reset"), UNKNOWN),
    ("outcome unknown", OutcomeUnknownError("lost"), UNKNOWN),
    ("bad argument", ConfigurationError("no"), NO),
    ("closed client", ClientClosedError("closed"), NO),
    ("limiter unavailable", LimiterUnavailableError("redis down"), NO),
    ("cancelled mid-attempt", asyncio.CancelledError(), UNKNOWN),
    ("foreign exception", ValueError("a middleware's bug"), UNKNOWN),
]


@pytest.mark.parametrize(("name", "outcome", "expected"), FAILURES, ids=[f[0] for f in FAILURES])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "post"])
def test_a_write_is_applied_as_its_outcome_says(
    method: str, name: str, outcome: BaseException | Response, expected: Applied
) -> None:
    assert applied(method, outcome) is expected


@pytest.mark.parametrize(("name", "outcome", "expected"), FAILURES, ids=[f[0] for f in FAILURES])
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_a_read_is_never_applied(
    method: str, name: str, outcome: BaseException | Response, expected: Applied
) -> None:
    assert applied(method, outcome) is NO
    assert may_resend(method, outcome)


@pytest.mark.parametrize(("name", "outcome", "expected"), FAILURES, ids=[f[0] for f in FAILURES])
def test_only_idempotent_methods_are_resent_after_an_unknown_outcome(
    name: str, outcome: BaseException | Response, expected: Applied
) -> None:
    assert may_resend("PUT", outcome)
    assert may_resend("DELETE", outcome)
    assert may_resend("POST", outcome) is (expected is NO)


@pytest.mark.parametrize(("name", "outcome", "expected"), FAILURES, ids=[f[0] for f in FAILURES])
def test_outcome_unknown_is_the_unknown_answer_for_a_write(
    name: str, outcome: BaseException | Response, expected: Applied
) -> None:
    if isinstance(outcome, BaseException):
        assert outcome_unknown(outcome) is (expected is UNKNOWN)
