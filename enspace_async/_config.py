"""Client settings, checked before any request is sent.

Every check raises :class:`~enspace_async.ConfigurationError` naming the argument to fix.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any

import attrs
from yarl import URL

from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_KEY",
    "Secret",
    "expect",
    "header_text",
    "parse_base_url",
    "positive",
    "seconds",
    "shown",
    "whole",
]

DEFAULT_BASE_URL = "https://api.leif.enspace.io"
ENV_KEY = "ENSPACE_API_KEY"  # where from_env() reads the key, named by the missing-key error


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


def shown(value: Any) -> str:
    """``repr(value)`` cut to 60 characters, for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def expect(name: str, value: Any, ok: bool, what: str) -> None:
    """Raise ``ConfigurationError("<name> must be <what>, got <value>")`` unless ``ok``."""
    if not ok:
        raise ConfigurationError(f"{name} must be {what}, got {shown(value)}")


def header_text(text: str, *, spaces: bool = True) -> bool:
    """Whether ``text`` goes into an HTTP header exactly as it is: non-empty printable ASCII
    (no CR, LF or other control character) without surrounding spaces."""
    ok = text.isascii() and text.isprintable() and text == text.strip() and bool(text)
    return ok and (spaces or " " not in text)


def positive(name: str, value: Any, what: str) -> float | None:
    """Return ``value`` as a float if it is ``None`` or a positive finite number (not a bool)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    expect(name, value, value is None or (number and 0 < value < math.inf), what)
    return None if value is None else float(value)


def whole(name: str, value: Any, least: int) -> int:
    """Return ``value`` if it is an int (not a bool) of at least ``least``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= least
    expect(name, value, ok, f"a whole number, {least} or more")
    return value  # type: ignore[no-any-return]


def seconds(name: str, value: Any) -> float | None:
    """Return ``value`` as a number of seconds: ``None``, or a positive finite number."""
    return positive(name, value, "positive seconds (a finite number) or None")


# A host name: dot-separated labels of letters, digits, "-" and "_" (IDNA already applied).
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST = re.compile(rf"{_LABEL}(\.{_LABEL})*", re.IGNORECASE)


def parse_base_url(value: str | URL, *, allow_insecure_http: bool = False) -> URL:
    """Return ``value`` as an absolute http(s) URL with no trailing slash, query or fragment.

    ``http://`` is refused for hosts other than loopback unless ``allow_insecure_http``: the API
    key would cross the network in clear text.
    """
    text = str(value) if isinstance(value, URL) else value
    expect("base_url", value, isinstance(text, str), "a str or yarl.URL")
    url = _http_url(text) if text.isprintable() and " " not in text else None
    if url is None or url.raw_host is None:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL without spaces, got {shown(text)}"
        )
    if url.query_string or url.fragment or url.user or url.password:
        raise ConfigurationError("base_url must not carry a query, fragment or credentials")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.raw_host):
        raise ConfigurationError(
            f"refusing plain http:// to {url.raw_host}: the API key would travel unencrypted; "
            "use https:// or pass allow_insecure_http=True"
        )
    return url.with_path(url.path.rstrip("/"))


def _http_url(text: str) -> URL | None:
    """``text`` as an http(s) URL with a valid host, or ``None``."""
    try:
        url = URL(text)
        host = url.raw_host
    except ValueError:  # UnicodeError included: a host IDNA cannot encode
        return None
    ok = url.scheme in ("http", "https") and host is not None and _valid_host(host)
    return url if ok else None


def _valid_host(host: str) -> bool:
    if ":" in host:  # only an IPv6 literal holds a colon
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return _HOST.fullmatch(host) is not None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
