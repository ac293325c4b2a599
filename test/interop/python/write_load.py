"""Keeps creating nodes through kazoo, one client pinned to each server, until told to stop.

Usage: /usr/bin/python3 write_load.py PREFIX MAX_WRITES MAX_SECONDS PACE_MS HOST:PORT [HOST:PORT ...]
  One KazooClient per HOST:PORT (its host list holds that server only, so it writes through that
  member whenever the member serves) creates persistent sequential nodes PREFIX-<i>-NNNNNNNNNN,
  one request at a time, until a line on stdin (or its end), MAX_WRITES creates per client, or
  MAX_SECONDS, pausing PACE_MS after each acknowledged create (a rate limit). A failed create is recorded by its exception's name and followed, after 200 ms, by a
  new one (a create whose answer was lost may exist; only acknowledged creates are checked).
  Prints "ready" once every client is connected, "ack PATH MS" for each acknowledged create (MS
  since the epoch), "fail I NAME MS" for each failure of client I, and at the end one JSON line: {"acked": count, "errors": {name: count}}.
A SIGALRM watchdog bounds the run.
"""
import json
import signal
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError

REQUEST_TIMEOUT_S = 15
BACKOFF_S = 0.2


def main():
    prefix, max_writes, max_seconds, pace_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]) / 1000
    hosts = sys.argv[5:]
    signal.signal(signal.SIGALRM, lambda *_: (sys.stderr.write("watchdog: write_load hung\n"), sys.exit(3)))
    signal.alarm(int(max_seconds) + 60)
    deadline = time.time() + max_seconds
    stop = threading.Event()
    guard = threading.Lock()
    acked = []
    errors = {}
    retry = {"max_tries": -1, "delay": 0.2, "max_delay": 1.0}
    clients = [KazooClient(hosts=h, timeout=20, connection_retry=retry) for h in hosts]
    for c in clients:
        c.start(timeout=30)
    print("ready", flush=True)

    def worker(i, client):
        for _ in range(max_writes):
            if stop.is_set() or time.time() >= deadline:
                return
            try:
                path = client.create_async("%s-%d-" % (prefix, i), b"k", sequence=True).get(timeout=REQUEST_TIMEOUT_S)
                with guard:
                    acked.append(path)
                    print("ack %s %d" % (path, int(time.time() * 1000)), flush=True)
                time.sleep(pace_s)
            except Exception as e:  # every failure is data: its name is recorded
                name = "TIMEOUT" if isinstance(e, KazooTimeoutError) else type(e).__name__
                with guard:
                    errors[name] = errors.get(name, 0) + 1
                    print("fail %d %s %d" % (i, name, int(time.time() * 1000)), flush=True)
                time.sleep(BACKOFF_S)

    threads = [threading.Thread(target=worker, args=(i + 1, c), daemon=True) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    for t in threads:
        t.join()
    for c in clients:
        c.stop()
        c.close()
    print(json.dumps({"acked": len(acked), "errors": errors}), flush=True)


if __name__ == "__main__":
    main()
