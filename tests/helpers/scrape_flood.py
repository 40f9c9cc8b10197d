"""Scrape an exporter from THREADS threads as fast as they can, in a process of its own.

``python -m tests.helpers.scrape_flood PORT THREADS``: prints ``ready`` once
every thread has had one answer, then goes on until its standard input closes
or MAX_SECONDS pass, and prints how many scrapes succeeded. Run apart from the
test so that its threads do not slow the test's own clock reading.
"""

from __future__ import annotations

import http.client
import sys
import threading

MAX_SECONDS = 60.0


def main() -> int:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    stop = threading.Event()
    lock = threading.Lock()
    succeeded = [0]
    first = threading.Barrier(count + 1)

    def scrape() -> None:
        waiting = True
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
            try:
                conn.request("GET", "/metrics")
                ok = conn.getresponse().status == 200
            except OSError:
                ok = False  # the exporter going away mid-scrape is the point
            finally:
                conn.close()
            if ok:
                with lock:
                    succeeded[0] += 1
                if waiting:
                    waiting = False
                    first.wait(timeout=MAX_SECONDS)

    threads = [threading.Thread(target=scrape, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    first.wait(timeout=MAX_SECONDS)
    print("ready", flush=True)
    deadline = threading.Timer(MAX_SECONDS, stop.set)
    deadline.start()
    sys.stdin.read()  # until the test closes our standard input
    stop.set()
    deadline.cancel()
    for thread in threads:
        thread.join(timeout=5.0)
    print(f"succeeded {succeeded[0]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
