"""The one-call C reader against libchrony's field-by-field API, on a real chronyd."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pychrony import ChronyConnection, ChronyDataError
from pychrony._core.constants import ErrorCode
from pychrony._core.records import _read_fields_one_by_one, read_fields, read_value
from pychrony._core.session import Session
from pychrony._native import load
from pychrony.models.catalog import REPORTS, ReportSpec
from pychrony.sandbox import Sandbox


def by_libchrony_api(session: Any) -> tuple[tuple[str, int, int, Any], ...]:
    """The current record read as pychrony did before the C reader existed."""
    ffi, lib = load()
    fields = []
    for i in range(lib.chrony_get_record_number_fields(session)):
        name = lib.chrony_get_field_name(session, i)
        if name == ffi.NULL:
            continue
        ftype = lib.chrony_get_field_type(session, i)
        fields.append(
            (
                ffi.string(name).decode("ascii"),
                ftype,
                lib.chrony_get_field_content(session, i),
                read_value(ffi, lib, session, i, ftype),
            )
        )
    return tuple(fields)


@pytest.mark.parametrize("spec", REPORTS, ids=lambda spec: spec.name)
def test_c_reader_reads_what_the_field_api_reads(sandbox: Sandbox, spec: ReportSpec[Any]) -> None:
    session = Session(sandbox.socket_path)
    try:
        refused: int | None = None
        try:
            session.record(spec.name, 0)
        except ChronyDataError as exc:
            refused = exc.error_code
        if refused is not None:
            # The sandbox keeps no RTC file: chronyd has that report disabled.
            assert spec.may_be_disabled
            assert refused == ErrorCode.DISABLED
            return
        handle = session._state["session"]
        expected = by_libchrony_api(handle)
        assert expected, f"{spec.name} record has no fields"
        assert read_fields(handle) == expected
        assert _read_fields_one_by_one(handle) == expected
    finally:
        session.close()


def test_negative_poll_is_sign_extended(sandbox: Sandbox) -> None:
    # The sandbox polls every 0.25 s: libchrony hands the poll back as 65534.
    with ChronyConnection(sandbox.socket_path) as conn:
        polls = {s.poll for s in conn.get_sources() if s.reachability}
    assert polls == {-2}


def test_threads_on_separate_connections_get_their_own_strings(sandbox: Sandbox) -> None:
    # The reader's buffer and libchrony's string buffer are shared by every
    # session in the process: interleaved reads must not mix records.
    with ChronyConnection(sandbox.socket_path) as conn:
        expected = [s.address for s in conn.get_sources()]
    seen: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with ChronyConnection(sandbox.socket_path) as conn:
                for _ in range(30):
                    seen.append([s.address for s in conn.get_sources()])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(seen) == 4 * 30
    assert all(addresses == expected for addresses in seen)
