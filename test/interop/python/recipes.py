"""Runs one kazoo recipe scenario across several KazooClient sessions and prints its outcome as JSON.

Usage: /usr/bin/python3 recipes.py HOST:PORT SCENARIO
Each client is its own ZooKeeper session on its own thread; the vitest side asserts the JSON.
Everything is bounded: a SIGALRM watchdog ends the process if a scenario hangs.
"""
import json
import signal
import sys
import threading

from kazoo.client import KazooClient

WATCHDOG_S = 45
JOIN_TIMEOUT_S = 30
SESSION_TIMEOUT_S = 10


def connect(hosts):
    client = KazooClient(hosts=hosts, timeout=SESSION_TIMEOUT_S)
    client.start(timeout=15)
    return client


def run_threads(targets):
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)
    return all(not t.is_alive() for t in threads)


def lock(hosts):
    """Four sessions each take the same Lock five times and do a read-modify-write inside it."""
    clients = [connect(hosts) for _ in range(4)]
    clients[0].ensure_path("/recipes/lock-counter")
    clients[0].set("/recipes/lock-counter", b"0")
    state = {"holders": 0, "max_holders": 0}
    guard = threading.Lock()

    def worker(i):
        client = clients[i]
        for _ in range(5):
            with client.Lock("/recipes/lock", "worker-%d" % i):
                with guard:
                    state["holders"] += 1
                    state["max_holders"] = max(state["max_holders"], state["holders"])
                value, _ = client.get("/recipes/lock-counter")
                client.set("/recipes/lock-counter", str(int(value) + 1).encode())
                with guard:
                    state["holders"] -= 1

    finished = run_threads([lambda i=i: worker(i) for i in range(len(clients))])
    final, _ = clients[0].get("/recipes/lock-counter")
    leftover = clients[0].get_children("/recipes/lock")
    for c in clients:
        c.stop()
    return {"finished": finished, "max_holders": state["max_holders"], "final": int(final), "leftover": leftover}


def election(hosts):
    """Three sessions run an Election; each leader resigns in turn and the next one is elected."""
    clients = [connect(hosts) for _ in range(3)]
    leaders = []
    state = {"active": 0, "max_active": 0}
    guard = threading.Lock()
    resign = [threading.Event() for _ in clients]
    elected = threading.Semaphore(0)

    def lead(i):
        with guard:
            state["active"] += 1
            state["max_active"] = max(state["max_active"], state["active"])
            leaders.append("node-%d" % i)
        elected.release()
        resign[i].wait(JOIN_TIMEOUT_S)
        with guard:
            state["active"] -= 1

    elections = [c.Election("/recipes/election", "node-%d" % i) for i, c in enumerate(clients)]
    threads = [threading.Thread(target=e.run, args=(lead, i), daemon=True) for i, e in enumerate(elections)]
    for t in threads:
        t.start()
    contenders = []
    for round_ in range(len(clients)):
        if not elected.acquire(timeout=JOIN_TIMEOUT_S):
            break
        if round_ == 0:
            # Every candidate has registered once the others' threads are blocked behind the leader.
            for _ in range(50):
                contenders = elections[0].contenders()
                if len(contenders) == len(clients):
                    break
                threading.Event().wait(0.1)
        with guard:
            current = leaders[-1]
        resign[int(current.split("-")[1])].set()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)
    for c in clients:
        c.stop()
    return {"leaders": leaders, "max_active": state["max_active"], "contenders": sorted(contenders)}


def counter(hosts):
    """Four sessions each add 1 twenty-five times to the same Counter, and one subtracts 10."""
    clients = [connect(hosts) for _ in range(4)]

    def worker(i):
        c = clients[i].Counter("/recipes/counter")
        for _ in range(25):
            c += 1

    finished = run_threads([lambda i=i: worker(i) for i in range(len(clients))])
    total = clients[0].Counter("/recipes/counter")
    total -= 10
    result = {"finished": finished, "value": total.value, "pre": total.pre_value, "post": total.post_value}
    for c in clients:
        c.stop()
    return result


def barrier(hosts):
    """A Barrier holds three waiting sessions until it is removed; a DoubleBarrier lets three in together."""
    clients = [connect(hosts) for _ in range(4)]
    owner = clients[0].Barrier("/recipes/barrier")
    owner.create()
    released = []
    waiting = threading.Semaphore(0)
    guard = threading.Lock()

    def waiter(i):
        waiting.release()
        ok = clients[i].Barrier("/recipes/barrier").wait(JOIN_TIMEOUT_S)
        with guard:
            released.append(ok)

    threads = [threading.Thread(target=waiter, args=(i,), daemon=True) for i in range(1, 4)]
    for t in threads:
        t.start()
    for _ in threads:
        waiting.acquire(timeout=JOIN_TIMEOUT_S)
    with guard:
        released_before_remove = len(released)
    owner.remove()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)

    entered = []

    def participant(i):
        double = clients[i].DoubleBarrier("/recipes/double-barrier", 3)
        double.enter()
        with guard:
            entered.append(i)
        double.leave()

    early = [threading.Thread(target=participant, args=(i,), daemon=True) for i in (1, 2)]
    for t in early:
        t.start()
    # Bounded poll (the recipe raises no event for it): both early participants have arrived.
    for _ in range(200):
        if clients[0].exists("/recipes/double-barrier") and len(clients[0].get_children("/recipes/double-barrier")) >= 2:
            break
        threading.Event().wait(0.05)
    with guard:
        entered_before_last = len(entered)
    double_finished = run_threads([lambda: participant(3)])
    for t in early:
        t.join(JOIN_TIMEOUT_S)
    double_finished = double_finished and all(not t.is_alive() for t in early)
    left = clients[0].get_children("/recipes/double-barrier")
    for c in clients:
        c.stop()
    return {
        "released_before_remove": released_before_remove,
        "released": sorted(released),
        "double_entered_before_last": entered_before_last,
        "double_finished": double_finished,
        "double_entered": sorted(entered),
        "double_left": [n for n in left if n != "ready"],
    }


def queue(hosts):
    """One session fills a Queue; three sessions drain it; every item comes out exactly once."""
    clients = [connect(hosts) for _ in range(4)]
    producer = clients[0].Queue("/recipes/queue")
    items = [("item-%02d" % n).encode() for n in range(30)]
    for item in items:
        producer.put(item)
    got = []
    guard = threading.Lock()

    def consumer(i):
        q = clients[i].Queue("/recipes/queue")
        while True:
            item = q.get()
            if item is None:
                return
            with guard:
                got.append(item.decode())

    finished = run_threads([lambda i=i: consumer(i) for i in range(1, 4)])

    prioritized = clients[0].Queue("/recipes/priority-queue")
    for value, priority in [(b"low", 200), (b"high", 10), (b"mid", 100), (b"high-2", 10)]:
        prioritized.put(value, priority=priority)
    order = []
    while True:
        item = prioritized.get()
        if item is None:
            break
        order.append(item.decode())

    locking = clients[1].LockingQueue("/recipes/locking-queue")
    locking.put_all([b"a", b"b"])
    first = clients[2].LockingQueue("/recipes/locking-queue")
    taken = first.get(10)
    second = clients[3].LockingQueue("/recipes/locking-queue")
    other = second.get(10)
    first.consume()
    second.consume()
    remaining = len(clients[0].LockingQueue("/recipes/locking-queue"))
    for c in clients:
        c.stop()
    return {
        "finished": finished,
        "consumed": sorted(got),
        "count": len(got),
        "priority_order": order,
        "locking_taken": sorted([taken.decode(), other.decode()]),
        "locking_remaining": remaining,
    }


SCENARIOS = {"lock": lock, "election": election, "counter": counter, "barrier": barrier, "queue": queue}


def main():
    hosts, scenario = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGALRM, lambda *_: (sys.stderr.write("watchdog: %s hung\n" % scenario), sys.exit(3)))
    signal.alarm(WATCHDOG_S)
    print(json.dumps(SCENARIOS[scenario](hosts)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
