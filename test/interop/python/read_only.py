"""Connects kazoo with read_only=True to a member in read-only mode and prints what it saw as JSON.

Usage: /usr/bin/python3 read_only.py HOST:PORT PATH
The vitest side asserts the JSON; a SIGALRM watchdog bounds the run.
"""
import json
import signal
import sys

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import KazooException, ZookeeperError

WATCHDOG_S = 30


def error_name(fn):
    try:
        fn()
    except (ZookeeperError, KazooException) as e:
        return type(e).__name__
    return None


def main():
    hosts, path = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGALRM, lambda *_: (sys.stderr.write("watchdog: read_only hung\n"), sys.exit(3)))
    signal.alarm(WATCHDOG_S)
    zk = KazooClient(hosts=hosts, read_only=True, timeout=10)
    zk.start(timeout=15)
    try:
        data, stat = zk.get(path)
        out = {
            "client_state": zk.client_state,
            "connected": zk.state == KazooState.CONNECTED,
            "data": data.decode(),
            "version": stat.version,
            "children": sorted(zk.get_children("/")),
            "create": error_name(lambda: zk.create(path + "-new", b"x")),
            "set": error_name(lambda: zk.set(path, b"x")),
            "delete": error_name(lambda: zk.delete(path)),
        }
    finally:
        zk.stop()
        zk.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
