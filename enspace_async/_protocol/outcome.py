"""May this write have been applied? The one answer retries, errors and bulk jobs share.

A request either got an answer (a :class:`~enspace_async.Response`, or the
:class:`~enspace_async.APIError` made from it) or failed without one. :func:`applied` reads
the method and that outcome and answers one of three things:

=====================  ==============================================================  =======
method                 outcome                                                         applied
=====================  ==============================================================  =======
GET, HEAD, OPTIONS     anything (a read changes nothing)                               NO
a write                a 2xx answer, or a :class:`DecodeError` (a 2xx body came back)  YES
a write                a 1xx, 3xx or 4xx answer (``429`` included: refused)            NO
a write                a 5xx answer (the server may have applied it before failing)    UNKNOWN
a write                an SDK error whose ``sent`` is false (connect, TLS, bad          NO
                       argument, closed client, limiter unavailable)
a write                a transport failure after sending (timeout, reset, cut body)    UNKNOWN
a write                anything else (a cancellation mid-attempt, a foreign exception) UNKNOWN
=====================  ==============================================================  =======

Whether a request may be *resent* is a second question, answered from this one and
:data:`IDEMPOTENT_METHODS`: a ``PUT`` or ``DELETE`` applied twice does no harm; a ``POST`` whose
answer is ``UNKNOWN`` is never resent by the SDK (:func:`may_resend`).
"""

from __future__ import annotations

import enum

from .._errors import APIError, DecodeError, EnspaceError
from .._http import Response

__all__ = [
    "IDEMPOTENT_METHODS",
    "SAFE_METHODS",
    "Applied",
    "applied",
    "may_resend",
    "outcome_unknown",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = SAFE_METHODS | {"PUT", "DELETE"}


class Applied(enum.Enum):
    """Whether the server applied a request: certainly not, certainly, or maybe."""

    NO = "no"
    YES = "yes"
    UNKNOWN = "unknown"


def applied(method: str, outcome: Response | BaseException) -> Applied:
    """Return whether ``outcome`` of a ``method`` request means the server applied it."""
    if method.upper() in SAFE_METHODS:
        return Applied.NO
    if isinstance(outcome, Response | APIError):
        return _by_status(outcome.status)
    if isinstance(outcome, DecodeError):
        return Applied.YES
    if isinstance(outcome, EnspaceError) and not outcome.sent:
        return Applied.NO
    return Applied.UNKNOWN


def may_resend(method: str, outcome: Response | BaseException) -> bool:
    """Whether sending the request again cannot apply it twice."""
    return method.upper() in IDEMPOTENT_METHODS or applied(method, outcome) is Applied.NO


def outcome_unknown(error: BaseException) -> bool:
    """Whether a failed write may still have been applied by the server.

    True for a transport failure after the request may have been sent, and for a 5xx answer
    (the server may have applied the write before failing). A caller must look before it
    writes again; the SDK never resends such a POST by itself.
    """
    return applied("POST", error) is Applied.UNKNOWN


def _by_status(status: int) -> Applied:
    if 200 <= status < 300:
        return Applied.YES
    return Applied.UNKNOWN if status >= 500 else Applied.NO
