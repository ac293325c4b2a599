"""Reference numbers for benchLock() (test/bench/recipes.ts): kazoo's Lock on any ZooKeeper.

Usage: /usr/bin/python3 kazoo_lock_bench.py HOST:PORT [ROUNDS]
Measures, like benchLock(): uncontended acquire+release pairs per second by one session (median
of the rounds), and the hand-off time among CONTENDERS sessions (one thread and KazooClient
each) from one holder starting release() to the next holder's acquire() returning.
Prints one JSON line: {"uncontendedPerSec", "handoffMedianMs", "handoffP99Ms", "contenders"}.
"""
import json
import signal
import sys
import threading
import time

from kazoo.client import KazooClient

UNCONTENDED_PAIRS = 500
HANDOFFS_PER_ROUND = 300
CONTENDERS = 10
WATCHDOG_S = 600
JOIN_TIMEOUT_S = 240


def connect(hosts):
    client = KazooClient(hosts=hosts, timeout=30)
    client.start(timeout=30)
    return client


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0


def uncontended(client, r):
    lock = client.Lock("/bench-kazoo/uncontended-%d" % r)
    start = time.perf_counter()
    for _ in range(UNCONTENDED_PAIRS):
        lock.acquire()
        lock.release()
    return UNCONTENDED_PAIRS / (time.perf_counter() - start)


def handoffs(clients, r):
    state = {"released_at": None, "count": 0, "samples": []}
    guard = threading.Lock()

    def worker(client):
        lock = client.Lock("/bench-kazoo/contended-%d" % r)
        while True:
            lock.acquire()
            now = time.perf_counter()
            with guard:
                if state["count"] >= HANDOFFS_PER_ROUND:
                    lock.release()
                    return
                if state["released_at"] is not None:
                    state["samples"].append((now - state["released_at"]) * 1000)
                state["count"] += 1
                state["released_at"] = time.perf_counter()
            lock.release()

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)
    return state["samples"]


def main():
    signal.signal(signal.SIGALRM, lambda *_: (print(json.dumps({"error": "watchdog"})), sys.exit(2)))
    signal.alarm(WATCHDOG_S)
    hosts = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    clients = [connect(hosts) for _ in range(CONTENDERS)]
    rates, samples = [], []
    for r in range(rounds):
        rates.append(uncontended(clients[0], r))
        samples.extend(handoffs(clients, r))
    for c in clients:
        c.stop()
    print(json.dumps({
        "uncontendedPerSec": round(percentile(rates, 0.5)),
        "handoffMedianMs": percentile(samples, 0.5),
        "handoffP99Ms": percentile(samples, 0.99),
        "contenders": CONTENDERS,
    }))


if __name__ == "__main__":
    main()
