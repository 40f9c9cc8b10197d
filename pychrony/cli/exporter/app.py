"""What the exporter answers at each path: metrics, a landing page, or 404.

``--web.telemetry-path`` (``/metrics``) serves the registry through
prometheus_client (text or OpenMetrics by ``Accept``, gzip by
``Accept-Encoding``); ``/probe?target=ADDRESS`` another chronyd's metrics
(:mod:`.probe`, when ``--probe.allow`` is given; else 403); ``/`` a small
HTML page linking to them; anything else 404. :mod:`.webconfig` wraps the
whole application when ``--web.config.file`` asks for credentials or extra
headers, so they apply to every path, ``/probe`` included.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from .probe import PROBE_PATH
from .server import WSGIApp, plain_response

__all__ = ["make_app"]

_LANDING = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>pychrony exporter</title></head>
<body>
<h1>pychrony exporter</h1>
<p>Prometheus metrics of chronyd, read afresh at every scrape.</p>
<ul>
<li><a href="{path}">Metrics</a></li>
<li>Probes of other chronyds: <code>/probe?target=ADDRESS</code> (allowed by --probe.allow)</li>
<li><a href="https://chrony-project.org/">chrony</a></li>
</ul>
<p>pychrony {version}</p>
</body>
</html>
"""


def make_app(registry: Any, telemetry_path: str, version: str, probe: WSGIApp) -> WSGIApp:
    """The exporter's WSGI application.

    Args:
        registry: the prometheus_client registry to serve.
        telemetry_path: where the metrics are (``/metrics``).
        version: shown on the landing page.
        probe: the application of ``/probe`` (:class:`.probe.Prober`, which
            answers 403 itself while ``--probe.allow`` allows nothing).
    """
    from prometheus_client import make_wsgi_app

    metrics = make_wsgi_app(registry)
    landing = _LANDING.format(
        path=html.escape(telemetry_path, quote=True),
        version=html.escape(version),
    ).encode()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == telemetry_path:
            result: Iterable[bytes] = metrics(environ, start_response)
            return result
        if path == PROBE_PATH:
            return probe(environ, start_response)
        if path == "/":
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(landing))),
                ],
            )
            return [landing]
        return plain_response("404 Not Found", "404 page not found\n", start_response)

    return app
