"""Authentication: the innermost layer, so nothing outside it ever sees the API key.

It adds ``x-api-key`` to each attempt, and only to the API's own origin: a request anywhere
else (a redirect, a ``base_url`` mistake) is refused before it is sent. The transport builds
its response around the request it was handed, the key included; this layer hands back a new
response around the request without the key, so no middleware or hook outside can read it.
"""

from __future__ import annotations

from yarl import URL

from .._config import Secret
from .._errors import ConfigurationError
from .._http import Handler, Request, Response
from .redirect import same_origin

__all__ = ["AuthMiddleware"]


class AuthMiddleware:
    """Send each attempt with the API key, to ``base_url``'s origin only.

    Args:
        api_key: the ``x-api-key`` value.
        base_url: the API root; the only origin the key goes to.
    """

    def __init__(self, api_key: Secret, base_url: URL):
        self.api_key = api_key
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"<AuthMiddleware {self.base_url.origin()}>"

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        """Add ``x-api-key``, send, and answer with the request as it was (without the key)."""
        if not same_origin(request.url, self.base_url):
            raise ConfigurationError(
                f"refusing to send the API key to {request.url.origin()}: "
                f"this client only talks to {self.base_url.origin()}"
            )
        response = await call_next(request.with_headers(x_api_key=self.api_key.reveal()))
        return response.answering(request)
