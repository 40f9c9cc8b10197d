"""Factories for pychrony's models: realistic instances for tests, without a daemon.

Each factory builds one frozen model from defaults that describe a healthy
chronyd (synchronised at stratum 3 to the source 192.0.2.11, which is
selected, reachable and well measured) and takes any field as a keyword
override::

    tracking = make_tracking(offset=0.25)
    assert tracking.is_synchronized()
    lost = make_tracking(reference_id=0, stratum=16, leap_status=LeapStatus.UNSYNC)
    assert not lost.is_synchronized()

Overrides are checked: an unknown field name, or a value of the wrong type
(an ``int`` where a ``SourceState`` belongs), raises :class:`TypeError` naming
what the model accepts. Overrides are taken literally: changing
``reference_id`` does not change ``reference_id_name``.

A factory is a :class:`Factory` declared with nothing but its model and
defaults, and every report of :data:`pychrony.models.catalog.REPORTS` has
one (:func:`factory_for`), so a new model needs only its defaults here.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import types
import typing
from collections.abc import Hashable, Mapping
from typing import Any, Generic, TypeVar

from ..models import (
    Activity,
    AuthData,
    AuthMode,
    KeyType,
    LeapStatus,
    NTPData,
    NTPFlags,
    NTPMode,
    RTCData,
    SelectData,
    SelectOptions,
    SelectState,
    ServerStats,
    Smoothing,
    SmoothingFlags,
    Source,
    SourceMode,
    SourceState,
    SourceStats,
    TimestampSource,
    TrackingStatus,
)
from ..models.catalog import spec_for

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

T = TypeVar("T")

# Documentation addresses (RFC 5737): never a real server.
SOURCE_ADDRESS = "192.0.2.11"
UPSTREAM_ADDRESS = "203.0.113.5"
LOCAL_ADDRESS = "198.51.100.7"
# 2025-06-15 12:00:00 UTC: a fixed instant keeps tests reproducible.
NOW = 1_749_988_800.0


def _ref_id(address: str) -> int:
    # chronyd's reference ID of an IPv4 source is its address as a number.
    return int(ipaddress.IPv4Address(address))


@functools.cache
def _hints(model: Any) -> dict[str, Any]:
    return typing.get_type_hints(model)


def _accepts(hint: Any, value: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (the forms models use)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_accepts(arg, value) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if isinstance(value, bool) and hint is not bool:
        return False  # True is an int to Python, never a count or an offset
    if hint is float:
        return isinstance(value, (int, float))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # an annotation this check does not know: the model decides


def _type_name(hint: Any) -> str:
    """The annotation as people read it; an optional one without its None (said apart)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        kept = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return " or ".join(map(_type_name, kept))
    return hint.__name__ if isinstance(hint, type) else str(hint)


class Factory(Generic[T]):
    """Builds instances of one model from defaults plus keyword overrides.

    Args:
        model: the frozen dataclass to build.
        **defaults: a value for every field without a default of its own.

    Raises:
        TypeError: ``model`` is no dataclass, or the defaults name an unknown
            field, miss a required one, or have a value of the wrong type.
    """

    def __init__(self, model: type[T], /, **defaults: Any) -> None:
        if not dataclasses.is_dataclass(model):
            raise TypeError(f"{model!r} is not a dataclass model")
        self.model = model
        self._check(defaults)
        required = [
            f.name
            for f in dataclasses.fields(model)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        lacking = [name for name in required if name not in defaults]
        if lacking:
            raise TypeError(f"defaults for {model.__name__} lack {', '.join(lacking)}")
        # Kept live: pychrony 2.x's *_DEFAULTS dicts are this mapping, and a
        # change a 2.x test makes to one shows in the factory, as it did there.
        self._live: dict[str, Any] = dict(defaults)
        self.defaults: Mapping[str, Any] = types.MappingProxyType(self._live)

    @property
    def fields(self) -> tuple[str, ...]:
        """The model's field names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(self.model))  # type: ignore[arg-type]

    def __call__(self, **overrides: Any) -> T:
        """A model instance: the defaults, with ``overrides`` replacing fields.

        Raises:
            TypeError: an override names an unknown field or has the wrong type.
        """
        self._check(overrides)
        return self.model(**{**self.defaults, **overrides})

    def __repr__(self) -> str:
        return f"Factory({self.model.__name__})"

    def _check(self, values: Mapping[str, Any]) -> None:
        name = self.model.__name__
        valid = self.fields
        unknown = [key for key in values if key not in valid]
        if unknown:
            raise TypeError(
                f"{name} has no field {', '.join(map(repr, unknown))}; "
                f"valid fields: {', '.join(valid)}"
            )
        hints = _hints(typing.cast(Hashable, self.model))
        for key, value in values.items():
            hint = hints[key]
            if not _accepts(hint, value):
                also = "; None is accepted too" if _accepts(hint, None) else ""
                raise TypeError(
                    f"{name}.{key} must be {_type_name(hint)}, "
                    f"not {type(value).__name__} ({value!r}){also}"
                )


make_tracking = Factory(
    TrackingStatus,
    reference_id=_ref_id(SOURCE_ADDRESS),
    reference_id_name=SOURCE_ADDRESS,
    reference_ip=SOURCE_ADDRESS,
    stratum=3,
    leap_status=LeapStatus.NORMAL,
    ref_time=NOW - 33.0,
    offset=-0.000012345,
    last_offset=0.000003210,
    rms_offset=0.000021,
    frequency=-11.234,
    residual_freq=0.002,
    skew=0.034,
    root_delay=0.012345,
    root_dispersion=0.000789,
    update_interval=64.2,
)
"""A :class:`~pychrony.TrackingStatus` synchronised at stratum 3 to 192.0.2.11."""

make_source = Factory(
    Source,
    address=SOURCE_ADDRESS,
    poll=6,
    stratum=2,
    state=SourceState.SELECTED,
    mode=SourceMode.CLIENT,
    flags=0,
    reachability=0o377,
    last_sample_ago=33,
    orig_latest_meas=0.000015,
    latest_meas=0.000014,
    latest_meas_err=0.00042,
)
"""A :class:`~pychrony.Source`: the selected server, reachable on all of the last 8 polls."""

make_source_stats = Factory(
    SourceStats,
    reference_id=_ref_id(SOURCE_ADDRESS),
    address=SOURCE_ADDRESS,
    samples=8,
    runs=7,
    span=704,
    std_dev=0.000045,
    resid_freq=0.003,
    skew=0.052,
    offset=0.000013,
    offset_err=0.000021,
)
"""A :class:`~pychrony.SourceStats` of the selected source, with 8 samples over 704 s."""

make_rtc_data = Factory(
    RTCData,
    ref_time=NOW - 600.0,
    samples=8,
    runs=5,
    span=512,
    offset=-0.512,
    freq_offset=1.25,
)
"""An :class:`~pychrony.RTCData` of a calibrated real-time clock (chronyd with ``rtcfile``)."""

# pychrony 2.x's names for the defaults of its four factories: the factories'
# own dicts, so a test that changes one changes what the factory builds.
TRACKING_DEFAULTS: dict[str, Any] = make_tracking._live
"""The field values :func:`make_tracking` starts from (pychrony 2.x's name)."""
SOURCE_DEFAULTS: dict[str, Any] = make_source._live
"""The field values :func:`make_source` starts from (pychrony 2.x's name)."""
SOURCESTATS_DEFAULTS: dict[str, Any] = make_source_stats._live
"""The field values :func:`make_source_stats` starts from (pychrony 2.x's name)."""
RTCDATA_DEFAULTS: dict[str, Any] = make_rtc_data._live
"""The field values :func:`make_rtc_data` starts from (pychrony 2.x's name)."""

make_select_data = Factory(
    SelectData,
    reference_id=_ref_id(SOURCE_ADDRESS),
    address=SOURCE_ADDRESS,
    state=SelectState.BEST,
    authentication=False,
    leap_status=LeapStatus.NORMAL,
    configured_options=SelectOptions(0),
    effective_options=SelectOptions(0),
    last_sample_ago=33,
    score=1.0,
    low_limit=-0.00052,
    high_limit=0.00061,
)
"""A :class:`~pychrony.SelectData` of the selected (best) source."""

make_activity = Factory(
    Activity,
    online_sources=4,
    offline_sources=0,
    burst_online_return_sources=0,
    burst_offline_return_sources=0,
    unresolved_sources=0,
)
"""An :class:`~pychrony.Activity` with four sources online."""

make_auth_data = Factory(
    AuthData,
    mode=AuthMode.NONE,
    key_type=KeyType.NONE,
    key_id=0,
    key_length=0,
    key_establishment_attempts=0,
    last_key_establishment_ago=0,
    cookies=0,
    cookie_length=0,
    nak=False,
)
"""An :class:`~pychrony.AuthData` of an unauthenticated source, the common case."""

make_ntp_data = Factory(
    NTPData,
    remote_address=SOURCE_ADDRESS,
    local_address=LOCAL_ADDRESS,
    remote_port=123,
    leap_status=LeapStatus.NORMAL,
    version=4,
    mode=NTPMode.SERVER,
    stratum=2,
    poll=6,
    precision=-25,
    root_delay=0.0081,
    root_dispersion=0.00043,
    reference_id=_ref_id(UPSTREAM_ADDRESS),
    reference_time=NOW - 52.0,
    offset=0.000014,
    peer_delay=0.00231,
    peer_dispersion=0.0000012,
    response_time=0.0000215,
    jitter_asymmetry=0.05,
    flags=NTPFlags.ALL_TESTS,
    transmit_timestamping=TimestampSource.KERNEL,
    receive_timestamping=TimestampSource.KERNEL,
    transmitted_messages=120,
    received_messages=120,
    received_valid_messages=120,
    received_good_messages=119,
    kernel_transmit_timestamps=120,
    kernel_receive_timestamps=120,
    hardware_transmit_timestamps=0,
    hardware_receive_timestamps=0,
)
"""An :class:`~pychrony.NTPData` of the selected source's last exchange: every test passed."""

make_server_stats = Factory(
    ServerStats,
    received_ntp_requests=1520,
    accepted_nts_ke_connections=0,
    received_command_requests=87,
    dropped_ntp_requests=3,
    dropped_nts_ke_connections=0,
    dropped_command_requests=0,
    dropped_client_log_records=0,
    received_authenticated_ntp_requests=0,
    received_interleaved_ntp_requests=12,
    held_ntp_timestamps=40,
    ntp_timestamp_span=1024,
    served_daemon_rx_timestamps=200,
    served_daemon_tx_timestamps=180,
    served_kernel_rx_timestamps=1320,
    served_kernel_tx_timestamps=1340,
    served_hardware_rx_timestamps=0,
    served_hardware_tx_timestamps=0,
)
"""A :class:`~pychrony.ServerStats` of a chronyd serving a few NTP clients (chronyd 4.4+)."""

make_smoothing = Factory(
    Smoothing,
    flags=SmoothingFlags.ACTIVE,
    offset=0.000421,
    frequency_offset=-0.0012,
    wander=0.00000084,
    last_update_ago=12.5,
    remaining_time=380.2,
)
"""A :class:`~pychrony.Smoothing` actively smoothing a small offset (``smoothtime``)."""

_BY_MODEL: dict[type, Factory[Any]] = {
    f.model: f
    for f in (
        make_tracking,
        make_source,
        make_source_stats,
        make_rtc_data,
        make_select_data,
        make_activity,
        make_auth_data,
        make_ntp_data,
        make_server_stats,
        make_smoothing,
    )
}


def make(model: type[T], /, **overrides: Any) -> T:
    """An instance of any model that has a factory here.

    Raises:
        TypeError: no factory builds ``model``, or an override is invalid.
    """
    factory = _BY_MODEL.get(model)
    if factory is None:
        known = ", ".join(sorted(m.__name__ for m in _BY_MODEL))
        raise TypeError(f"no factory builds {model!r}; models with factories: {known}")
    built: T = factory(**overrides)
    return built


def factory_for(report: str) -> Factory[Any]:
    """The factory of a report of :data:`~pychrony.models.catalog.REPORTS` (``"tracking"``).

    Raises:
        KeyError: no such report, or it has no factory yet.
    """
    model = spec_for(report).model
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise KeyError(f"report {report!r} ({model.__name__}) has no factory yet") from None
