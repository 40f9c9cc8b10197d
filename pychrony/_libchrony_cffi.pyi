# Types of the compiled extension (built by build_ffi.py), which mypy cannot
# read: without this stub every ``lib.chrony_*`` call would be Any, so a
# misspelt function, a wrong argument count or an int taken for bytes would
# only show when the call runs. It lists every function of decl/chrony_api.h
# and decl/pychrony_helpers.h and every enum constant the cdef declares, with
# the Python types cffi converts them to; C pointers and structs stay cdata
# (Any). tests/unit/test_native_stub.py holds it to the compiled module, so
# a declaration added to decl/ without a line here fails a test. Shipped in
# the wheel (package data) for users' type checkers too.

from collections.abc import Callable
from typing import Any, Final, TypeAlias

# A cdata object: a C pointer, array or struct owned by cffi.
_CData: TypeAlias = Any
# What a ``const char *`` parameter takes: bytes, a ``char[]`` or ffi.NULL.
_CharP: TypeAlias = bytes | _CData

class FFI:
    """The ``ffi`` object of the extension (the parts pychrony uses)."""

    NULL: Final[_CData]
    CData: Final[type]
    errno: int
    def new(self, cdecl: str, init: Any = ...) -> _CData: ...
    def cast(self, cdecl: str, value: Any) -> _CData: ...
    def typeof(self, cdecl: str | _CData) -> Any: ...
    def string(self, cdata: _CData, maxlen: int = ...) -> bytes: ...
    def unpack(self, cdata: _CData, length: int) -> bytes: ...
    def gc(
        self, cdata: _CData, destructor: Callable[[_CData], object] | None, size: int = ...
    ) -> _CData: ...
    def release(self, cdata: _CData) -> None: ...

class Lib:
    """The ``lib`` object of the extension: libchrony's API and pychrony's helpers."""

    # chrony_err
    CHRONY_OK: Final[int]
    CHRONY_NO_MEMORY: Final[int]
    CHRONY_NO_RANDOM: Final[int]
    CHRONY_UNKNOWN_REPORT: Final[int]
    CHRONY_RANDOM_FAILED: Final[int]
    CHRONY_SEND_FAILED: Final[int]
    CHRONY_RECV_FAILED: Final[int]
    CHRONY_INVALID_ARGUMENT: Final[int]
    CHRONY_UNEXPECTED_CALL: Final[int]
    CHRONY_UNAUTHORIZED: Final[int]
    CHRONY_DISABLED: Final[int]
    CHRONY_UNEXPECTED_STATUS: Final[int]
    CHRONY_OLD_SERVER: Final[int]
    CHRONY_NEW_SERVER: Final[int]
    CHRONY_INVALID_RESPONSE: Final[int]
    # chrony_field_type
    CHRONY_TYPE_NONE: Final[int]
    CHRONY_TYPE_UINTEGER: Final[int]
    CHRONY_TYPE_INTEGER: Final[int]
    CHRONY_TYPE_FLOAT: Final[int]
    CHRONY_TYPE_TIMESPEC: Final[int]
    CHRONY_TYPE_STRING: Final[int]
    # chrony_field_content
    CHRONY_CONTENT_NONE: Final[int]
    CHRONY_CONTENT_COUNT: Final[int]
    CHRONY_CONTENT_TIME: Final[int]
    CHRONY_CONTENT_INTERVAL_LOG2_SECONDS: Final[int]
    CHRONY_CONTENT_INTERVAL_SECONDS: Final[int]
    CHRONY_CONTENT_OFFSET_SECONDS: Final[int]
    CHRONY_CONTENT_MEASURE_SECONDS: Final[int]
    CHRONY_CONTENT_OFFSET_PPM: Final[int]
    CHRONY_CONTENT_MEASURE_PPM: Final[int]
    CHRONY_CONTENT_OFFSET_PPM_PER_SECOND: Final[int]
    CHRONY_CONTENT_RATIO: Final[int]
    CHRONY_CONTENT_REFERENCE_ID: Final[int]
    CHRONY_CONTENT_ENUM: Final[int]
    CHRONY_CONTENT_BITS: Final[int]
    CHRONY_CONTENT_FLAGS: Final[int]
    CHRONY_CONTENT_ADDRESS: Final[int]
    CHRONY_CONTENT_PORT: Final[int]
    CHRONY_CONTENT_INDEX: Final[int]
    CHRONY_CONTENT_LENGTH_BITS: Final[int]
    CHRONY_CONTENT_LENGTH_BYTES: Final[int]
    CHRONY_CONTENT_BOOLEAN: Final[int]
    # pychrony_outcome (decl/pychrony_helpers.h): why an exchange came back early
    PYCHRONY_TIMEOUT: Final[int]
    PYCHRONY_FAILED: Final[int]
    PYCHRONY_INTERRUPTED: Final[int]
    PYCHRONY_EXITING: Final[int]
    PYCHRONY_WANT_READ: Final[int]
    PYCHRONY_WANT_TIME: Final[int]
    PYCHRONY_NO_ROOM: Final[int]
    PYCHRONY_BUDGET: Final[int]
    PYCHRONY_BAD_COUNT: Final[int]
    # pychrony_mode: how an exchange is (re)entered
    PYCHRONY_START: Final[int]
    PYCHRONY_RESUME: Final[int]
    PYCHRONY_READABLE: Final[int]
    PYCHRONY_NOWAIT: Final[int]

    # Sockets and sessions.
    def chrony_open_socket(self, address: _CharP, /) -> int: ...
    def chrony_close_socket(self, fd: int, /) -> None: ...
    def chrony_get_error_string(self, e: int, /) -> _CData: ...
    def chrony_init_session(self, s: _CData, fd: int, /) -> int: ...
    def chrony_deinit_session(self, s: _CData, /) -> None: ...
    def chrony_get_fd(self, s: _CData, /) -> int: ...
    def chrony_needs_response(self, s: _CData, /) -> bool: ...
    def chrony_process_response(self, s: _CData, /) -> int: ...
    # Reports and records.
    def chrony_get_number_supported_reports(self) -> int: ...
    def chrony_get_report_name(self, report: int, /) -> _CData: ...
    def chrony_request_report_number_records(self, s: _CData, report_name: _CharP, /) -> int: ...
    def chrony_get_report_number_records(self, s: _CData, /) -> int: ...
    def chrony_request_record(self, s: _CData, report_name: _CharP, record: int, /) -> int: ...
    # Fields of the current record.
    def chrony_get_record_number_fields(self, s: _CData, /) -> int: ...
    def chrony_get_field_name(self, s: _CData, field: int, /) -> _CData: ...
    def chrony_get_field_index(self, s: _CData, name: _CharP, /) -> int: ...
    def chrony_get_field_type(self, s: _CData, field: int, /) -> int: ...
    def chrony_get_field_content(self, s: _CData, field: int, /) -> int: ...
    def chrony_get_field_uinteger(self, s: _CData, field: int, /) -> int: ...
    def chrony_get_field_integer(self, s: _CData, field: int, /) -> int: ...
    def chrony_get_field_float(self, s: _CData, field: int, /) -> float: ...
    def chrony_get_field_timespec(self, s: _CData, field: int, /) -> _CData: ...
    def chrony_get_field_string(self, s: _CData, field: int, /) -> _CData: ...
    def chrony_get_field_constant_name(self, s: _CData, field: int, value: int, /) -> _CData: ...
    # pychrony's helpers (decl/pychrony_helpers.h).
    def pychrony_read_record(self, s: _CData, out: _CData, size: int, /) -> int: ...
    def pychrony_strings_lock(self) -> None: ...
    def pychrony_strings_unlock(self) -> None: ...
    def pychrony_request(
        self, s: _CData, x: _CData, report: _CharP, index: int, deadline: float, mode: int, /
    ) -> int: ...
    def pychrony_report(
        self, s: _CData, x: _CData, report: _CharP, max_records: int, deadline: float, mode: int, /
    ) -> int: ...

ffi: FFI
lib: Lib
