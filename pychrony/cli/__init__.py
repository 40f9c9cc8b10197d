"""The ``pychrony`` command: chronyd's reports for people and scripts.

``pychrony [-a ADDRESS]... [--timeout S] [--retries N] [--max-connections N]
[--format table|json|csv] [--watch S [--count N]] COMMAND``

Commands: one per report of the catalogue (``tracking``, ``sources``, ...),
``status`` (an overview), ``reports`` (what the server offers), ``dump``
(every report, libchrony's own field names), ``check`` (a monitoring plugin)
and ``exporter`` (a Prometheus exporter).

Exit codes (``check`` follows the Monitoring Plugins codes instead: 0 OK,
1 WARNING, 2 CRITICAL, 3 UNKNOWN):

====  ==========================================================================
0     success
1     chronyd could not be queried (unreachable, timeout, refused, bad reply);
      with several ``-a`` addresses, at least one of them failed
2     bad usage (unknown command or option, invalid value)
3     something pychrony needs is missing (libchrony, an optional extra)
74    standard output cannot be written (closed, or full: ``> /dev/full``)
130   interrupted (Ctrl-C)
141   standard output was closed early (``pychrony sources | head -1``)
====  ==========================================================================
"""

from .main import main

__all__ = ["main"]
