"""The SDK's own middleware layers, one module per layer, outermost first.

Telemetry, retry and limit are async callables ``(request, call_next) -> response``, the
shape of a user's middleware; :func:`enspace_async._http.compose` builds the chain once per
session (:class:`enspace_async._session.Session`), after the user's middlewares. Redirect and
auth are synchronous policies (sans-I/O, azure-core's ``SansIOHTTPPolicy``), run by the
coroutine of the layer around them (retry, observe), and observe is the chain's last
coroutine, the handler that awaits the transport:

1. :mod:`.telemetry` — with ``telemetry=``, the backend's binding: one span per logical call;
2. :mod:`.retry` — repeats what is inside it, within the deadline and the retry budget;
3. :mod:`.redirect` — follows same-origin redirects, refuses the others;
4. :mod:`.limit` — an in-flight slot and a rate slot per attempt; learns from 429s;
5. :mod:`.observe` — counts, logs and hooks each attempt;
6. :mod:`.auth` — adds ``x-api-key``, innermost, so nothing outside it sees the key;

then the transport. This package imports none of its modules.
"""
