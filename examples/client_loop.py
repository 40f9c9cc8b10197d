"""Dump every report chronyd serves, the way a C program drives libchrony.

Usage: python examples/client_loop.py [ADDRESS]

ADDRESS defaults to ``$PYCHRONY_ADDRESS``, else to libchrony's defaults (the
Unix socket, then 127.0.0.1, then ::1). Written against :mod:`pychrony.client`
as a line-by-line port of a C loop: request, wait for the fd with a
deadline, process the response, read the fields. Reports chronyd refuses or
has disabled are listed with libchrony's error name. Exit status 1 when
chronyd cannot be reached or the tracking report fails.
"""

from __future__ import annotations

import os
import select
import sys
import time

from pychrony.client import (
    ChronyError,
    ChronyFieldType,
    ChronySession,
    chrony_close_socket,
    chrony_deinit_session,
    chrony_get_error_string,
    chrony_get_fd,
    chrony_get_field_constant_name,
    chrony_get_field_content,
    chrony_get_field_float,
    chrony_get_field_integer,
    chrony_get_field_name,
    chrony_get_field_string,
    chrony_get_field_timespec,
    chrony_get_field_type,
    chrony_get_field_uinteger,
    chrony_get_number_supported_reports,
    chrony_get_record_number_fields,
    chrony_get_report_name,
    chrony_get_report_number_records,
    chrony_init_session,
    chrony_needs_response,
    chrony_open_socket,
    chrony_process_response,
    chrony_request_record,
    chrony_request_report_number_records,
)

TIMEOUT = 1.0  # seconds per exchange, as chronyc's first try


def process(session: ChronySession, err: ChronyError) -> ChronyError:
    """After a request returned ``err``, process replies until done or failed."""
    deadline = time.monotonic() + TIMEOUT
    poller = select.poll()
    poller.register(chrony_get_fd(session), select.POLLIN)
    while err == ChronyError.OK and chrony_needs_response(session):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise TimeoutError(f"no reply from chronyd within {TIMEOUT} s")
        err = chrony_process_response(session)
    return err


def format_field(session: ChronySession, i: int) -> str:
    """One field as ``name = value``, with the constant's name where it has one."""
    ftype = chrony_get_field_type(session, i)
    value: object
    if ftype == ChronyFieldType.UINTEGER:
        value = chrony_get_field_uinteger(session, i)
    elif ftype == ChronyFieldType.INTEGER:
        value = chrony_get_field_integer(session, i)
    elif ftype == ChronyFieldType.FLOAT:
        value = chrony_get_field_float(session, i)
    elif ftype == ChronyFieldType.TIMESPEC:
        value = chrony_get_field_timespec(session, i)
    elif ftype == ChronyFieldType.STRING:
        value = chrony_get_field_string(session, i)
    else:
        value = None
    text = f"{chrony_get_field_name(session, i)} = {value}"
    if isinstance(value, int):
        constant = chrony_get_field_constant_name(session, i, value)
        if constant is not None:
            text += f" ({constant})"
    return f"{text}  [{chrony_get_field_content(session, i).name.lower()}]"


def dump_report(session: ChronySession, report: str) -> ChronyError:
    """Print every record of ``report``; return the first error."""
    err = process(session, chrony_request_report_number_records(session, report))
    if err != ChronyError.OK:
        return err
    for record in range(chrony_get_report_number_records(session)):
        err = process(session, chrony_request_record(session, report, record))
        if err != ChronyError.OK:
            return err
        print(f"{report} record {record}:")
        for i in range(chrony_get_record_number_fields(session)):
            print(f"  {format_field(session, i)}")
    return ChronyError.OK


def main(argv: list[str]) -> int:
    """Dump all reports from the address in ``argv`` (or the defaults)."""
    address = argv[1] if len(argv) > 1 else os.environ.get("PYCHRONY_ADDRESS")
    sock = chrony_open_socket(address)
    if sock is None:
        print(f"cannot open a socket to {address or 'chronyd'}", file=sys.stderr)
        return 1
    err, session = chrony_init_session(sock)
    if session is None:
        chrony_close_socket(sock)
        print(f"chrony_init_session: {chrony_get_error_string(err)}", file=sys.stderr)
        return 1
    status = 0
    try:
        for n in range(chrony_get_number_supported_reports()):
            report = chrony_get_report_name(n)
            if report is None:
                continue
            err = dump_report(session, report)
            if err != ChronyError.OK:
                print(f"{report}: {chrony_get_error_string(err)}")
                if report == "tracking":
                    status = 1
    except TimeoutError as exc:
        print(exc, file=sys.stderr)
        status = 1
    finally:
        chrony_deinit_session(session)
        chrony_close_socket(sock)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
