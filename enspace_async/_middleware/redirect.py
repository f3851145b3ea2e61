"""Redirect: followed only within the API's own origin, so the key never goes elsewhere.

The transport never follows redirects by itself. The retry layer follows a ``301``, ``302``,
``303``, ``307`` or ``308`` whose ``Location`` has the same scheme, host and port as the
request, at most ``max_hops`` times; ``303`` turns the request into a bodiless ``GET``, the
others keep the method and body. A redirect to another origin is never followed: it raises
:class:`~enspace_async.APIError` naming the status and the foreign origin (never the full
location, whose query might carry a token), so the other server never sees ``x-api-key``.
A ``Location`` that is no http(s) URL (``http://[::1``, a bad port, ``javascript:``) is the
same :class:`~enspace_async.APIError`, "malformed redirect location".
"""

from __future__ import annotations

import attrs
from yarl import URL

from .._errors import APIError
from .._http import Handler, Request, Response

__all__ = ["REDIRECT_STATUSES", "Redirects", "same_origin"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def same_origin(a: URL, b: URL) -> bool:
    """Whether two absolute URLs share scheme, host and port."""
    # raw_host: the encoded host, which never raises (.host decodes IDNA, which can).
    return a.scheme == b.scheme and a.raw_host == b.raw_host and a.port == b.port


class Redirects:
    """Follow same-origin redirects; refuse the others.

    A policy of the retry layer, whose coroutine asks :meth:`wanted` of every answer and
    awaits :meth:`follow` only for a redirect: no coroutine of its own on the common path.
    """

    def __init__(self, max_hops: int = 3):
        self.max_hops = max_hops

    @staticmethod
    def wanted(response: Response) -> bool:
        """Whether ``response`` is a redirect to follow (or to refuse)."""
        return response.status in REDIRECT_STATUSES and "location" in response.headers

    async def follow(self, request: Request, response: Response, call_next: Handler) -> Response:
        """Follow the redirects from ``response`` (an answer to ``request``)."""
        hops = 0
        while self.wanted(response):
            target = _target(request, response)
            if hops == self.max_hops:
                raise _refused(response, f"more than {self.max_hops} redirects")
            hops += 1
            request = _follow(request, response.status, target)
            response = await call_next(request)
        return response


def _target(request: Request, response: Response) -> URL:
    target = _resolve(request.url, response.headers["location"])
    if target is None:
        raise _refused(response, "malformed redirect location")
    if not same_origin(request.url, target):
        raise _refused(response, f"redirect to another origin ({target.origin()}) not followed")
    return target


def _resolve(base: URL, location: str) -> URL | None:
    """``location`` resolved against ``base`` (RFC 3986), or ``None`` if it is no http(s) URL.

    Scheme-relative (``//host/x``) and relative forms resolve like absolute ones, so the
    same-origin check sees the real target.
    """
    try:
        target = base.join(URL(location))
        target.origin()  # raises for a target without scheme or host
    except ValueError:  # UnicodeError included: a host IDNA cannot encode
        return None
    return target if target.scheme in ("http", "https") else None


def _follow(request: Request, status: int, target: URL) -> Request:
    if status == 303 and request.method != "HEAD":
        headers = {k: v for k, v in request.headers.items() if k != "content-type"}
        return attrs.evolve(request, method="GET", url=target, content=None, headers=headers)
    return attrs.evolve(request, url=target)


def _refused(response: Response, why: str) -> APIError:
    request = response.request
    message = f"{why} for {request.method} {request.url.path}"
    return APIError(response.status, "Redirect", message, headers=response.headers)
