"""Timestamps of a chronyd unlike the sandbox's, as chronyc reads them, over the real wire.

A relay in front of the sandbox's UDP command port rewrites the tracking
reply's reference time as a chronyd built with a 32-bit ``time_t`` (Debian
armhf) sends it: high word of seconds ``0x7fffffff``. It also puts a
nanosecond count of 1.5e9 there, which chronyc caps. Every layer must read
the same present-day time chronyc would.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest

from pychrony import ChronyConnection
from pychrony import client as c
from pychrony.libchrony import Chrony, TimeSpec
from pychrony.sandbox import Sandbox
from tests.helpers.relay import LatencyRelay

pytestmark = pytest.mark.reliability

# chronyd's reply: a 28-byte header whose reply code sits at byte 6; the
# tracking reply's reference time follows the reference ID (4 bytes), the
# address (20) and stratum and leap status (2 + 2): seconds high, seconds
# low, nanoseconds, each a big-endian uint32 (candm.h).
_RPY_TRACKING = 5
_REF_TIME = 28 + 4 + 20 + 2 + 2


def _as_32_bit_chronyd(reply: bytes) -> bytes:
    if len(reply) < _REF_TIME + 12 or struct.unpack_from("!H", reply, 6)[0] != _RPY_TRACKING:
        return reply
    out = bytearray(reply)
    struct.pack_into("!LL", out, _REF_TIME, 0x7FFFFFFF, 1_700_000_000)
    struct.pack_into("!L", out, _REF_TIME + 8, 1_500_000_000)
    return bytes(out)


@pytest.fixture
def odd_address(sandbox: Sandbox) -> Iterator[str]:
    with LatencyRelay(sandbox.udp_address) as relay:
        address = relay.add(rewrite=_as_32_bit_chronyd)
        relay.start()
        yield address


def test_the_typed_layer_reads_a_32_bit_chronyds_ref_time(odd_address: str) -> None:
    with ChronyConnection(odd_address) as conn:
        tracking = conn.get_tracking()
    assert tracking.ref_time == pytest.approx(1_700_000_000.999999999)


def test_the_generic_layer_reads_it_too(odd_address: str) -> None:
    record = Chrony(odd_address).get_tracking()
    assert record["reference time"].value == TimeSpec(1_700_000_000, 999_999_999)
    assert str(record["reference time"]) == "2023-11-14T22:13:20.999999999Z"


def test_the_c_mirror_layer_reads_it_too(odd_address: str) -> None:
    sock = c.chrony_open_socket(odd_address)
    assert sock is not None
    err, session = c.chrony_init_session(sock)
    assert err == c.ChronyError.OK
    assert session is not None
    try:
        assert c.chrony_request_record(session, "tracking", 0) == c.ChronyError.OK
        while c.chrony_needs_response(session):
            assert c.chrony_process_response(session) == c.ChronyError.OK
        index = c.chrony_get_field_index(session, "reference time")
        assert c.chrony_get_field_timespec(session, index) == TimeSpec(1_700_000_000, 999_999_999)
    finally:
        c.chrony_deinit_session(session)
        c.chrony_close_socket(sock)
