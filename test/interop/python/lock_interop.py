"""kazoo's side of the Lock interop check with Paddock's recipes (test/interop/recipes-kazoo.test.ts).

Usage:
  /usr/bin/python3 lock_interop.py HOST:PORT contend LOCK_PATH INSIDE_PATH COUNTER_PATH THREADS ROUNDS
      THREADS kazoo sessions each take kazoo's Lock ROUNDS times. Inside the lock each creates the
      ephemeral INSIDE_PATH (NodeExistsError there means two holders at once: a violation),
      does an unversioned read-modify-write of COUNTER_PATH, and deletes INSIDE_PATH.
  /usr/bin/python3 lock_interop.py HOST:PORT try LOCK_PATH
      One non-blocking kazoo Lock.acquire(blocking=False) while somebody else may hold the lock.
Prints one JSON line. A SIGALRM watchdog bounds the run.
"""
import json
import signal
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError

WATCHDOG_S = 50
JOIN_TIMEOUT_S = 40
HOLD_S = 0.003


def connect(hosts):
    client = KazooClient(hosts=hosts, timeout=10)
    client.start(timeout=15)
    return client


def contend(hosts, lock_path, inside_path, counter_path, threads, rounds):
    clients = [connect(hosts) for _ in range(threads)]
    state = {"violations": 0, "rounds": 0}
    guard = threading.Lock()

    def worker(client, i):
        lock = client.Lock(lock_path, "kazoo-%d" % i)
        for _ in range(rounds):
            with lock:
                try:
                    client.create(inside_path, b"kazoo", ephemeral=True)
                except NodeExistsError:
                    with guard:
                        state["violations"] += 1
                value, _ = client.get(counter_path)
                time.sleep(HOLD_S)
                client.set(counter_path, str(int(value) + 1).encode())
                client.delete(inside_path)
                with guard:
                    state["rounds"] += 1

    workers = [threading.Thread(target=worker, args=(c, i), daemon=True) for i, c in enumerate(clients)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(JOIN_TIMEOUT_S)
    state["finished"] = all(not t.is_alive() for t in workers)
    for c in clients:
        c.stop()
    return state


def try_lock(hosts, lock_path):
    client = connect(hosts)
    lock = client.Lock(lock_path, "kazoo-try")
    acquired = lock.acquire(blocking=False)
    children = sorted(client.get_children(lock_path))
    if acquired:
        lock.release()
    client.stop()
    return {"acquired": acquired, "children": children}


def main():
    signal.signal(signal.SIGALRM, lambda *_: (print(json.dumps({"error": "watchdog"})), sys.exit(2)))
    signal.alarm(WATCHDOG_S)
    hosts, mode = sys.argv[1], sys.argv[2]
    if mode == "contend":
        lock_path, inside, counter, threads, rounds = sys.argv[3:8]
        result = contend(hosts, lock_path, inside, counter, int(threads), int(rounds))
    elif mode == "try":
        result = try_lock(hosts, sys.argv[3])
    else:
        raise SystemExit("unknown mode " + mode)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
