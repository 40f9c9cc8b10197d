"""pychrony's test kit: model factories and pytest fixtures for your own tests.

Test code that consumes pychrony's reports without a chronyd, using
factories that build realistic models (a synchronised clock, a selected and
reachable source, ...) with any field overridden::

    from pychrony import LeapStatus
    from pychrony.testing import make_source, make_tracking

    assert make_tracking().is_synchronized()
    unsynchronised = make_tracking(reference_id=0, stratum=16, leap_status=LeapStatus.UNSYNC)
    unreachable = make_source(reachability=0)

There is one factory per report: ``make_tracking``, ``make_source``,
``make_source_stats``, ``make_rtc_data``, ``make_select_data``,
``make_activity``, ``make_auth_data``, ``make_ntp_data``,
``make_server_stats``, ``make_smoothing``; ``make(Model, **overrides)`` and
``factory_for("tracking")`` reach them by model or report name. An unknown
field or a value of the wrong type raises :class:`TypeError`.
pychrony 2.x's names stay: ``TRACKING_DEFAULTS``, ``SOURCE_DEFAULTS``,
``SOURCESTATS_DEFAULTS`` and ``RTCDATA_DEFAULTS`` are the defaults of the
first four factories, and the plugin's fixtures ``tracking_status``,
``source``, ``source_stats`` and ``rtc_data`` give their default instances.

Test it against a real chronyd with the fixtures of the pytest plugin
(:mod:`pychrony.testing.plugin`, loaded automatically): ``chrony_sandbox``,
``chrony_address`` and ``chrony_connection``.
"""

from .factories import (
    RTCDATA_DEFAULTS,
    SOURCE_DEFAULTS,
    SOURCESTATS_DEFAULTS,
    TRACKING_DEFAULTS,
    Factory,
    factory_for,
    make,
    make_activity,
    make_auth_data,
    make_ntp_data,
    make_rtc_data,
    make_select_data,
    make_server_stats,
    make_smoothing,
    make_source,
    make_source_stats,
    make_tracking,
)

__all__ = [
    "RTCDATA_DEFAULTS",
    "SOURCESTATS_DEFAULTS",
    "SOURCE_DEFAULTS",
    "TRACKING_DEFAULTS",
    "Factory",
    "factory_for",
    "make",
    "make_activity",
    "make_auth_data",
    "make_ntp_data",
    "make_rtc_data",
    "make_select_data",
    "make_server_stats",
    "make_smoothing",
    "make_source",
    "make_source_stats",
    "make_tracking",
]
