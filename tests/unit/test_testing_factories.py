"""The test kit's model factories (pychrony.testing), no daemon needed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import pychrony.testing as kit
from pychrony import (
    Activity,
    LeapStatus,
    NTPData,
    Source,
    SourceState,
    TrackingStatus,
)
from pychrony.models._convert import ref_id_name
from pychrony.models.catalog import REPORTS
from pychrony.testing import (
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


@pytest.mark.parametrize("spec", REPORTS, ids=lambda spec: spec.name)
def test_every_report_has_a_factory_with_realistic_values_for_every_field(spec: Any) -> None:
    factory = factory_for(spec.name)
    assert factory.model is spec.model
    assert factory in [getattr(kit, name) for name in kit.__all__ if name.startswith("make_")]
    # Realistic means chosen: no field may fall back to the model's own default.
    assert set(factory.defaults) == {f.name for f in dataclasses.fields(spec.model)}
    built = factory()
    assert isinstance(built, spec.model)
    assert make(spec.model) == built


def test_defaults_describe_one_healthy_synchronised_chronyd() -> None:
    tracking = make_tracking()
    source = make_source()
    stats = make_source_stats()
    select = make_select_data()
    ntp = make_ntp_data()
    assert ntp.stratum is not None  # every NTPData attribute may be None (a refclock's)
    assert ntp.received_good_messages is not None
    assert ntp.received_valid_messages is not None
    assert ntp.received_messages is not None

    assert tracking.is_synchronized()
    assert not tracking.is_leap_pending()
    assert tracking.reference_id_name == ref_id_name(tracking.reference_id)
    assert tracking.reference_ip == source.address == stats.address == select.address
    assert tracking.reference_ip == ntp.remote_address
    assert tracking.reference_id == stats.reference_id == select.reference_id
    assert tracking.stratum == source.stratum + 1 == ntp.stratum + 1
    assert source.is_selected()
    assert source.is_reachable()
    assert source.reachability == 0o377
    assert stats.has_sufficient_samples()
    assert select.is_selected()
    assert select.is_combined()
    assert ntp.tests_passed()
    assert not ntp.is_authenticated()
    assert ntp.received_good_messages <= ntp.received_valid_messages <= ntp.received_messages
    assert not make_auth_data().is_authenticated()
    assert make_rtc_data().is_calibrated()
    assert make_smoothing().is_active()
    assert not make_smoothing().is_leap_only()
    assert make_activity().total_sources == make_activity().online_sources > 0
    served = make_server_stats()
    assert served.dropped_ntp_requests <= served.received_ntp_requests


def test_overrides_replace_fields_and_leave_the_rest() -> None:
    unsynchronised = make_tracking(reference_id=0, stratum=16, leap_status=LeapStatus.UNSYNC)
    assert not unsynchronised.is_synchronized()
    assert unsynchronised.offset == make_tracking().offset
    lost = make_source(reachability=0, state=SourceState.UNSELECTED)
    assert not lost.is_reachable()
    assert not lost.is_selected()
    assert make(Activity, offline_sources=2).total_sources == 6


def test_an_int_is_accepted_for_a_float_and_none_for_an_optional_counter() -> None:
    assert make_tracking(offset=1).offset == 1
    assert make_server_stats(held_ntp_timestamps=None).held_ntp_timestamps is None
    assert make_ntp_data(kernel_receive_timestamps=None).kernel_receive_timestamps is None


def test_unknown_field_is_a_type_error_naming_the_valid_fields() -> None:
    with pytest.raises(TypeError, match=r"TrackingStatus has no field 'ofset'") as info:
        make_tracking(ofset=0.1)
    for field in dataclasses.fields(TrackingStatus):
        assert field.name in str(info.value)


@pytest.mark.parametrize(
    ("factory", "field", "value", "expected"),
    [
        (make_source, "state", 0, "Source.state must be SourceState, not int"),
        (make_source, "poll", True, "Source.poll must be int, not bool"),
        (make_source, "poll", 6.0, "Source.poll must be int, not float"),
        (make_tracking, "reference_ip", None, "TrackingStatus.reference_ip must be str"),
        (make_ntp_data, "flags", 0x3FF, "NTPData.flags must be NTPFlags, not int"),
        (make_server_stats, "held_ntp_timestamps", "40", "ServerStats.held_ntp_timestamps"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_type_error(
    factory: Factory[Any], field: str, value: object, expected: str
) -> None:
    with pytest.raises(TypeError, match=expected):
        factory(**{field: value})


def test_models_built_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_tracking().stratum = 1  # type: ignore[misc]


def test_a_factory_checks_its_own_defaults() -> None:
    with pytest.raises(TypeError, match="defaults for Activity lack offline_sources"):
        Factory(Activity, online_sources=1, burst_online_return_sources=0,
                burst_offline_return_sources=0, unresolved_sources=0)  # fmt: skip
    with pytest.raises(TypeError, match="Activity has no field 'online'"):
        Factory(Activity, online=1)
    with pytest.raises(TypeError, match="is not a dataclass"):
        Factory(int)
    # Fields with a default of their own may be left out.
    required = {
        f.name: make_ntp_data().__getattribute__(f.name) for f in dataclasses.fields(NTPData)
    }
    del required["hardware_receive_timestamps"]
    assert Factory(NTPData, **required)().hardware_receive_timestamps is None


def test_unknown_models_and_reports_are_named_in_the_error() -> None:
    with pytest.raises(TypeError, match=r"no factory builds .*models with factories: Activity"):
        make(object)
    with pytest.raises(KeyError, match="unknown report 'trackin'"):
        factory_for("trackin")
    assert repr(make_source) == "Factory(Source)"
    assert make_source.fields[0] == "address"
    assert isinstance(make_source(), Source)
