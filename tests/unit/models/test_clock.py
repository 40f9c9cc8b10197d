"""RTCData and Smoothing (pychrony/models/clock.py)."""

from __future__ import annotations

from pychrony import (
    RTCData,
    Smoothing,
    SmoothingFlags,
)
from pychrony.models._declare import decode

from .samples import raw


def test_rtc_calibration() -> None:
    fields = {
        "reference time": (100, 500_000_000),
        "samples": 0,
        "runs": 0,
        "span": 0,
        "offset": 0.1,
        "frequency offset": 2.0,
    }
    rtc = decode(RTCData, raw(fields), "rtcdata")
    assert rtc.ref_time == 100.5
    assert not rtc.is_calibrated()


def test_smoothing_flags() -> None:
    fields = {
        "flags": 3,
        "offset": 1e-7,
        "frequency offset": -0.09,
        "wander": 0.001,
        "last update ago": 0.5,
        "remaining time": 200.0,
    }
    smoothing = decode(Smoothing, raw(fields), "smoothing")
    assert smoothing.is_active()
    assert smoothing.is_leap_only()
    assert smoothing.flags == SmoothingFlags.ACTIVE | SmoothingFlags.LEAP_ONLY
