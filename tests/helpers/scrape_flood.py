"""Scrape an exporter from THREADS threads as fast as they can, in a process of its own.

``python -m tests.helpers.scrape_flood THREADS``, then one port a line on
standard input: the threads turn to that port, and ``ready`` is printed once
each of them has had an answer from it. Standard input closing (or
MAX_SECONDS passing) ends the flood, which then prints how many scrapes
succeeded. It runs apart from the test so that its threads do not slow the
test's own clock reading, and lives across trials to save its start-up.
"""

from __future__ import annotations

import http.client
import sys
import threading

MAX_SECONDS = 300.0
READY_TIMEOUT = 20.0


def main() -> int:
    count = int(sys.argv[1])
    stop = threading.Event()
    lock = threading.Condition()
    target = {"port": 0, "round": 0}
    answered: set[int] = set()  # threads with an answer in this round
    succeeded = [0]

    def scrape(index: int) -> None:
        while not stop.is_set():
            with lock:
                while target["port"] == 0 and not stop.is_set():
                    lock.wait(0.5)
                port, round_ = target["port"], target["round"]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
            try:
                conn.request("GET", "/metrics")
                ok = conn.getresponse().status == 200
            except OSError:
                ok = False  # the exporter going away mid-scrape is the point
            finally:
                conn.close()
            if not ok:
                # Between trials nothing listens: do not spin on refused
                # connects while the next exporter starts on the same CPUs.
                stop.wait(0.02)
                continue
            with lock:
                succeeded[0] += 1
                if target["round"] == round_:
                    answered.add(index)
                    lock.notify_all()

    threads = [threading.Thread(target=scrape, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = threading.Timer(MAX_SECONDS, stop.set)
    deadline.start()
    for line in sys.stdin:
        with lock:
            target["port"], target["round"] = int(line), target["round"] + 1
            answered.clear()
            lock.notify_all()
            lock.wait_for(lambda: len(answered) == count or stop.is_set(), READY_TIMEOUT)
            ready = len(answered) == count
        print("ready" if ready else "not ready", flush=True)
    stop.set()
    deadline.cancel()
    for thread in threads:
        thread.join(timeout=5.0)
    print(f"succeeded {succeeded[0]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
