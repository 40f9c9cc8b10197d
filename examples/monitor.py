"""Show what pychrony reads from a live chronyd: tracking, then every source.

Usage: python examples/monitor.py [ADDRESS] [--probe]

ADDRESS defaults to the sandbox's socket when run under ``python -m
pychrony.sandbox``, else to chronyd's usual addresses. ``--probe`` only checks
that chronyd answers (exit status 0) and prints nothing.
"""

from __future__ import annotations

import os
import sys
import time

from pychrony import ChronyConnection, ChronyError, Source
from pychrony.models.units import NEVER


def reach_bar(src: Source) -> str:
    """The reachability register as eight marks, oldest poll first."""
    return "".join("#" if src.reachability >> bit & 1 else "." for bit in range(7, -1, -1))


def show(conn: ChronyConnection) -> None:
    """Print one snapshot of tracking and sources."""
    t = conn.get_tracking()
    state = "synchronised" if t.is_synchronized() else "NOT synchronised"
    print(f"chronyd at {conn.address} ({conn.transport.name if conn.transport else '?'})")
    leap = t.leap_status.description
    print(f"  {state} to {t.reference_id_name or '-'}, stratum {t.stratum}, leap: {leap}")
    # chronyc's words: a positive correction means the system clock is slow.
    print(
        f"  system time {abs(t.offset) * 1e6:.3f} us {t.offset_direction} of NTP time, "
        f"frequency {t.frequency:+.3f} ppm, root delay {t.root_delay * 1e6:.1f} us, "
        f"updated every {t.update_interval:.2f} s"
    )
    print(f"  {'source':<16} {'state':<16} {'stratum':>7} {'poll':>4}  reach     last sample")
    for src in conn.get_sources():
        last = "never" if src.last_sample_ago == NEVER else f"{src.last_sample_ago} s ago"
        marked = f"{src.mode.symbol}{src.state.symbol} {src.state.description}"
        print(
            f"  {src.address:<16} {marked:<16} {src.stratum:>7} {src.poll:>4}  "
            f"{reach_bar(src)}  {src.latest_meas * 1e6:+9.3f} us, {last}"
        )


def main(argv: list[str]) -> int:
    """Print three snapshots a second apart, or just probe."""
    args = [a for a in argv if a != "--probe"]
    address = args[0] if args else os.environ.get("PYCHRONY_SANDBOX_SOCKET")
    try:
        if "--probe" in argv:
            with ChronyConnection(address, timeout=0.2, retries=1) as conn:
                conn.get_tracking()
            return 0
        with ChronyConnection(address) as conn:
            for i in range(3):
                if i:
                    time.sleep(1)
                    print()
                show(conn)
    except ChronyError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
