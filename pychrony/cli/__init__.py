"""The ``pychrony`` command: chronyd's reports for people and scripts.

``pychrony [-a ADDRESS]... [--timeout S] [--retries N] [--max-connections N]
[--format table|json|csv] [--watch S [--count N]] COMMAND``

Commands: one per report of the catalogue (``tracking``, ``sources``, ...),
``status`` (an overview), ``reports`` (what the server offers), ``dump``
(every report, libchrony's own field names), ``check`` (a monitoring plugin)
and ``exporter`` (a Prometheus exporter).

Exit codes are defined in :mod:`pychrony.cli.exitcodes` (``pychrony --help``
lists them; ``check`` returns the Monitoring Plugins' codes instead):

.. pychrony-exit-codes:: command
"""

from .main import main

__all__ = ["main"]
