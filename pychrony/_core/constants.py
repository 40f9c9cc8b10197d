"""libchrony's enums as Python IntEnums (values are libchrony's ABI)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ErrorCode", "FieldContent", "FieldType"]


class ErrorCode(IntEnum):
    """libchrony's ``chrony_err`` result codes."""

    OK = 0
    NO_MEMORY = 1
    NO_RANDOM = 2
    UNKNOWN_REPORT = 3
    RANDOM_FAILED = 4
    SEND_FAILED = 5
    RECV_FAILED = 6
    INVALID_ARGUMENT = 7
    UNEXPECTED_CALL = 8
    UNAUTHORIZED = 9
    DISABLED = 10
    UNEXPECTED_STATUS = 11
    OLD_SERVER = 12
    NEW_SERVER = 13
    INVALID_RESPONSE = 14


class FieldType(IntEnum):
    """libchrony's ``chrony_field_type``: how a field's value is stored."""

    NONE = 0
    UINTEGER = 1
    INTEGER = 2
    FLOAT = 3
    TIMESPEC = 4
    STRING = 5


class FieldContent(IntEnum):
    """libchrony's ``chrony_field_content``: what a field's value means."""

    NONE = 0
    COUNT = 1
    TIME = 2
    INTERVAL_LOG2_SECONDS = 3
    INTERVAL_SECONDS = 4
    OFFSET_SECONDS = 5
    MEASURE_SECONDS = 6
    OFFSET_PPM = 7
    MEASURE_PPM = 8
    OFFSET_PPM_PER_SECOND = 9
    RATIO = 10
    REFERENCE_ID = 11
    ENUM = 12
    BITS = 13
    FLAGS = 14
    ADDRESS = 15
    PORT = 16
    INDEX = 17
    LENGTH_BITS = 18
    LENGTH_BYTES = 19
    BOOLEAN = 20
