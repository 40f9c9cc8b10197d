"""Micro-benchmark: what building one typed model costs, per way of building it.

Run ``.venv/bin/python bench/build_models.py``; no daemon needed. For
TrackingStatus and Source it times, per instance:

- ``dataclass __init__``: ``cls(*values)``, the generated ``__init__`` of a
  frozen dataclass, one ``object.__setattr__`` per field;
- ``slot constructor``: what the decoder compiled per layout builds with
  (plain stores on an unfrozen twin of the model's slots, then one
  ``__class__`` change), from the same finished values;
- ``decode (by name)`` and ``decode (per layout)``: a whole record to a model,
  conversions included, through the generic path and the compiled plan.

Figures are the minimum over many repeats of this thread's CPU time (least
disturbed by other load); compare them within one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import timeit
from pathlib import Path
from typing import Any

# The checkout's root, for the tests' samples (as bench/scale.py does).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pychrony import Source, TrackingStatus
from pychrony._core.records import record_from_fields
from pychrony.models._declare import _decode_by_name, decode, slot_builder
from tests.unit.models.samples import SOURCE, TRACKING, Field, U

# One record of each, as the sandbox's chronyd sends them.
RECORDS: dict[type, tuple[str, list[Field]]] = {
    TrackingStatus: ("tracking", TRACKING),
    Source: ("sources", SOURCE),
}


def _ns(stmt: str, namespace: dict[str, Any], number: int, repeat: int) -> float:
    # CPU time of this thread: time the scheduler gives other processes (the
    # machine may be busy) does not count.
    timer = timeit.Timer(stmt, globals=namespace, timer=time.thread_time)
    return min(timer.repeat(number=number, repeat=repeat)) / number * 1e9


def main() -> None:
    """Print each way's nanoseconds per instance, per model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=30, help="repeats (the minimum counts)")
    args = parser.parse_args()
    for cls, (report, fields) in RECORDS.items():
        record = record_from_fields(fields)
        model: object = decode(cls, record, report)
        values = tuple(getattr(model, f.name) for f in dataclasses.fields(cls))
        # The slot constructor, fed finished values (no conversion) from a record
        # whose slots hold them.
        slots = slot_builder(cls)
        assert slots is not None, f"{cls.__name__} is not built slot by slot"
        finished = record_from_fields([(f"v{i}", U, 0, v) for i, v in enumerate(values)])
        build = finished.layout.compile(cls, [(i, None) for i in range(len(values))], slots=slots)
        assert build(finished.slots, finished.data) == model == cls(*values)
        plain = list(record)
        cells = {
            "dataclass __init__": _ns(
                "cls(*v)", {"cls": cls, "v": values}, args.number, args.repeat
            ),
            "slot constructor": _ns(
                "b(s, d)",
                {"b": build, "s": finished.slots, "d": finished.data},
                args.number,
                args.repeat,
            ),
            "decode (by name)": _ns(
                "f(cls, r, n)",
                {"f": _decode_by_name, "cls": cls, "r": plain, "n": report},
                args.number,
                args.repeat,
            ),
            "decode (per layout)": _ns(
                "f(cls, r, n)",
                {"f": decode, "cls": cls, "r": record, "n": report},
                args.number,
                args.repeat,
            ),
        }
        print(f"{cls.__name__} ({len(values)} fields)")
        for name, ns in cells.items():
            print(f"  {name:<22}{ns:8.0f} ns")


if __name__ == "__main__":
    main()
