"""Creates a node with kazoo through one member, then reads it through another after a sync, and
prints both views as JSON.

Usage: /usr/bin/python3 write_then_read.py WRITE_HOST:PORT READ_HOST:PORT PATH DATA
The vitest side asserts the JSON (the two Stats equal); a SIGALRM watchdog bounds the run.
"""
import json
import signal
import sys

from kazoo.client import KazooClient

WATCHDOG_S = 40


def stat_of(stat):
    return {name: getattr(stat, name) for name in (
        "czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
        "ephemeralOwner", "dataLength", "numChildren", "pzxid")}


def view(zk, path):
    zk.sync(path)
    data, stat = zk.get(path)
    return {"data": data.decode(), "stat": stat_of(stat)}


def main():
    write_host, read_host, path, data = sys.argv[1:5]
    signal.signal(signal.SIGALRM, lambda *_: (sys.stderr.write("watchdog: write_then_read hung\n"), sys.exit(3)))
    signal.alarm(WATCHDOG_S)
    writer = KazooClient(hosts=write_host, timeout=10)
    reader = KazooClient(hosts=read_host, timeout=10)
    writer.start(timeout=15)
    reader.start(timeout=15)
    try:
        created = writer.create(path, data.encode())
        out = {"created": created, "writer": view(writer, path), "reader": view(reader, path)}
    finally:
        for zk in (writer, reader):
            zk.stop()
            zk.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
