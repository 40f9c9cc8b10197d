"""Every model field's declared unit agrees with what libchrony says the field holds.

libchrony tags each field with a content (``chrony_get_field_content``:
COUNT, OFFSET_SECONDS, MEASURE_PPM, ...). A unit declared in a model's
metadata that contradicts it (ppm on a seconds field, a count on an offset)
fails here, against the sandbox's real chronyd.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from contextlib import closing
from typing import Any

import pytest

from pychrony._core.constants import FieldContent
from pychrony._core.session import Session
from pychrony.models._declare import field_source, field_unit, source
from pychrony.models.catalog import REPORTS, ReportSpec
from pychrony.models.units import Unit
from pychrony.sandbox import Sandbox

# rtcdata is DISABLED without an rtcfile (a sandbox cannot own an RTC).
ANSWERED = [spec for spec in REPORTS if spec.name != "rtcdata"]


# Fields libchrony never types (content NONE): nothing to compare them with.
UNTYPED = {"Source.flags"}


def disagreements(
    model: type, records: Iterable[Iterable[tuple[Any, ...]]]
) -> tuple[set[str], list[str]]:
    """The fields compared with a content libchrony gave, and each it contradicts."""
    checked: set[str] = set()
    wrong = []
    for record in records:
        contents: dict[str, FieldContent] = {}
        for name, _type, content, _value in record:
            contents.setdefault(name, FieldContent(content))
        for f in dataclasses.fields(model):
            present = [n for n in field_source(f).names if n in contents]
            if not present:
                assert field_source(f).optional, f"{model.__name__}.{f.name} missing"
                continue
            unit, content = field_unit(f), contents[present[0]]
            if content is FieldContent.NONE:
                continue  # no value in this record (an address before the first exchange)
            checked.add(f"{model.__name__}.{f.name}")
            if not unit.agrees_with(content):
                wrong.append(
                    f"{model.__name__}.{f.name}: {unit.name} but libchrony says {content.name}"
                )
    return checked, wrong


@pytest.mark.parametrize("spec", ANSWERED, ids=lambda s: s.name)
def test_declared_units_agree_with_libchrony(sandbox: Sandbox, spec: ReportSpec[Any]) -> None:
    with closing(Session(sandbox.socket_path)) as session:
        records = session.records(spec.name)
    assert records
    checked, wrong = disagreements(spec.model, records)
    assert wrong == []
    # Every field this chronyd sends was compared in some record.
    required = {
        f"{spec.model.__name__}.{f.name}"
        for f in dataclasses.fields(spec.model)
        if not field_source(f).optional
    }
    assert required - checked == required & UNTYPED


@dataclasses.dataclass(frozen=True)
class _Misdeclared:
    skew: float = dataclasses.field(metadata=source("skew", unit=Unit.SECONDS))
    stratum: int = dataclasses.field(metadata=source("stratum", unit=Unit.COUNT))


def test_a_wrong_declaration_is_caught(sandbox: Sandbox) -> None:
    with closing(Session(sandbox.socket_path)) as session:
        records = session.records("tracking")
    checked, wrong = disagreements(_Misdeclared, records)
    assert checked == {"_Misdeclared.skew", "_Misdeclared.stratum"}
    assert wrong == ["_Misdeclared.skew: SECONDS but libchrony says MEASURE_PPM"]
