"""The unit vocabulary, and every model field declaring one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pychrony._core.constants import FieldContent
from pychrony.models._declare import field_source, field_unit, source
from pychrony.models.catalog import REPORTS, ReportSpec
from pychrony.models.units import Unit


@pytest.mark.parametrize("spec", REPORTS, ids=lambda s: s.name)
def test_every_model_field_declares_a_unit(spec: ReportSpec[Any]) -> None:
    for f in dataclasses.fields(spec.model):
        unit = field_unit(f)
        assert isinstance(unit, Unit)
        if field_source(f).counter:
            assert unit is Unit.COUNT


def test_every_unit_says_what_it_means() -> None:
    covered: set[FieldContent] = set()
    for unit in Unit:
        assert unit.description
        assert unit.meaning.contents
        covered |= unit.meaning.contents
    # Every content libchrony can report has a unit that agrees with it.
    assert covered | {FieldContent.NONE} == set(FieldContent)


def test_conversions_to_base_units() -> None:
    assert Unit.LOG2_SECONDS.to_base(-2) == 0.25
    assert Unit.BITS.to_base(256) == 32.0
    assert Unit.SECONDS.to_base(1.5) == 1.5
    assert Unit.OFFSET.agrees_with(FieldContent.OFFSET_SECONDS)
    assert not Unit.OFFSET.agrees_with(FieldContent.MEASURE_PPM)
    assert Unit.OFFSET.agrees_with(FieldContent.NONE)  # libchrony says nothing


def test_a_counter_must_count() -> None:
    with pytest.raises(ValueError, match="count"):
        source("skew", unit=Unit.PPM, counter=True)
    with pytest.raises(TypeError, match="unit"):
        field_unit(dataclasses.field(metadata=source("x")))
