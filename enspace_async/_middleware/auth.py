"""Authentication: the innermost step, so nothing outside it ever sees the API key.

A synchronous policy, run around the transport by the observe layer's coroutine (no coroutine
of its own): :meth:`Auth.headers` are an attempt's headers with ``x-api-key``, for the API's
own origin only: a request anywhere else (a redirect, a ``base_url`` mistake) is refused
before it is sent. A transport with ``send_keyed(request, headers)`` (the SDK's own
:class:`~enspace_async.AiohttpTransport`) puts those headers on the wire and answers the
request as it was; any other gets :meth:`Auth.on_request`, a copy of the request with the key,
and :meth:`Auth.on_response` hands back its response around the request without the key. Either
way no middleware or hook outside can read the key.
"""

from __future__ import annotations

from yarl import URL

from .._config import Secret
from .._errors import ConfigurationError
from .._http import Request, Response, lowered
from .redirect import same_origin

__all__ = ["Auth"]


class _Keyed(dict[str, str]):
    """An attempt's headers with the key, names in lower case: their repr (a traceback's
    locals, say) names the headers and shows no value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<headers {', '.join(self)}>"


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

    def headers(self, request: Request) -> dict[str, str]:
        """The headers to send ``request`` with: its own and ``x-api-key``.

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
        headers = _Keyed(request.headers)
        headers["x-api-key"] = self._key.reveal()
        return headers

    def on_request(self, request: Request) -> Request:
        """The request to send to a transport without ``send_keyed``: ``request`` with
        :meth:`headers`.

        Raises:
            ConfigurationError: ``request`` goes to another origin than ``base_url``'s.
        """
        headers = lowered(self.headers(request))  # as Request keeps them: no conversion
        return Request(
            request.method, request.url, headers, request.content, request.timeout, request.route
        )

    def on_response(self, response: Response, request: Request) -> Response:
        """``response`` as the answer to ``request`` as it was (without the key)."""
        return response.answering(request)
