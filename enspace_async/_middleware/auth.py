"""Authentication: the innermost step, so nothing outside it ever sees the API key.

A synchronous policy, run around the transport by the observe layer's coroutine (no coroutine
of its own): :meth:`Auth.on_request` adds ``x-api-key`` to each attempt, and only to the
API's own origin: a request anywhere else (a redirect, a ``base_url`` mistake) is refused
before it is sent. The transport builds its response around the request it was handed, the
key included; :meth:`Auth.on_response` hands back that response around the request without
the key, so no middleware or hook outside can read it.
"""

from __future__ import annotations

from yarl import URL

from .._config import Secret
from .._errors import ConfigurationError
from .._http import Request, Response, lowered
from .redirect import same_origin

__all__ = ["Auth"]


class Auth:
    """Send each attempt with the API key, to ``base_url``'s origin only.

    Args:
        api_key: the ``x-api-key`` value.
        base_url: the API root; the only origin the key goes to.
    """

    __slots__ = ("_authority", "_key", "_scheme", "base_url")

    def __init__(self, api_key: Secret, base_url: URL):
        self._key = api_key
        self.base_url = base_url
        # What a URL the client built from base_url shares with it, compared first: equal
        # scheme and authority mean the same origin without working out hosts and ports.
        self._scheme, self._authority = base_url.scheme, base_url.raw_authority

    def __repr__(self) -> str:
        return f"<Auth {self.base_url.origin()}>"

    def on_request(self, request: Request) -> Request:
        """The request to send: ``request`` with ``x-api-key``.

        Raises:
            ConfigurationError: ``request`` goes to another origin than ``base_url``'s.
        """
        url = request.url
        mine = url.raw_authority == self._authority and url.scheme == self._scheme
        if not mine and not same_origin(url, self.base_url):
            raise ConfigurationError(
                f"refusing to send the API key to {url.origin()}: "
                f"this client only talks to {self.base_url.origin()}"
            )
        headers = lowered(request.headers)
        headers["x-api-key"] = self._key.reveal()
        # Built directly: one copy of the headers, no name conversion (this runs per attempt).
        return Request(
            request.method, url, headers, request.content, request.timeout, request.route
        )

    def on_response(self, response: Response, request: Request) -> Response:
        """``response`` as the answer to ``request`` as it was (without the key)."""
        return response.answering(request)
