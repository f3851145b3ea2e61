"""OpenTelemetry traces and metrics of every call: ``EnspaceClient(..., telemetry=OpenTelemetry())``.

Needs the ``otel`` extra (``pip install "enspace-async[otel]"``, which brings
``opentelemetry-api`` only). Configure an OpenTelemetry SDK and exporter as usual; without
one, the API's no-op providers make this cost next to nothing::

    from enspace_async import EnspaceClient
    from enspace_async.otel import OpenTelemetry

    async with EnspaceClient.from_env(telemetry=OpenTelemetry()) as client:
        ...

What it gives (the README's "Observability" has the full tables):

* one ``CLIENT`` span per logical call, named by the route (``GET /ws/types/{slug}/items``),
  with the HTTP semantic-convention attributes and ours (``enspace.route``,
  ``enspace.workspace``, ``enspace.attempts``, ``enspace.limiter_wait_s``), and one
  ``enspace.attempt`` event per attempt with its outcome and the retry delay chosen;
* a parent span over each bulk job (``enspace.bulk_create``…) and export (``enspace.export``);
* the ``http.client.request.duration`` histogram, and every :class:`~enspace_async.ClientStats`
  counter as an observable instrument (so the metrics are ``client.stats``, never a second
  count), with gauges of the requests in flight and the limiter's rate;
* W3C trace context (``traceparent``) on requests to the API's own origin, never elsewhere.

No attribute, event or metric holds the API key, a query string or item data: spans are named
by route templates, and errors are recorded by type, never by message.
"""

from __future__ import annotations

try:
    from ._otel import OpenTelemetry
except ModuleNotFoundError as exc:  # pragma: no cover - the extra is installed in the tests
    if not (exc.name or "").startswith("opentelemetry"):
        raise
    raise ModuleNotFoundError(
        'enspace_async.otel needs opentelemetry-api: pip install "enspace-async[otel]"',
        name=exc.name,
    ) from exc

__all__ = ["OpenTelemetry"]
