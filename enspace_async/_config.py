"""Client settings, checked before any request is sent."""

from __future__ import annotations

import ipaddress

import attrs
from yarl import URL

from ._errors import ConfigurationError

__all__ = ["DEFAULT_BASE_URL", "Secret", "parse_base_url"]

DEFAULT_BASE_URL = "https://api.leif.enspace.io"


@attrs.frozen(repr=False)
class Secret:
    """A string that never shows itself in ``repr``, ``str``, logs or tracebacks."""

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """Return the secret; only for putting it on the wire."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


def parse_base_url(value: str | URL, *, allow_insecure_http: bool = False) -> URL:
    """Return ``value`` as an absolute http(s) URL with no trailing slash, query or fragment.

    ``http://`` is refused for hosts other than loopback unless ``allow_insecure_http``: the API
    key would cross the network in clear text.
    """
    try:
        url = URL(str(value))
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"base_url {str(value)!r} is not a URL") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url must be an absolute http(s) URL, got {str(value)!r}")
    if url.query_string or url.fragment or url.user or url.password:
        raise ConfigurationError("base_url must not carry a query, fragment or credentials")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise ConfigurationError(
            f"refusing plain http:// to {url.host}: the API key would travel unencrypted; "
            "use https:// or pass allow_insecure_http=True"
        )
    return url.with_path(url.path.rstrip("/"))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
