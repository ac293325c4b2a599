"""Runs kazoo's own view of the basic operations against one server and prints the results as JSON.

Usage: /usr/bin/python3 operations.py HOST:PORT
The vitest side asserts the JSON; a SIGALRM watchdog bounds the run.
"""
import json
import signal
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, ZookeeperError
from kazoo.security import make_acl, make_digest_acl

WATCHDOG_S = 30


def error_name(fn):
    try:
        fn()
    except ZookeeperError as e:
        return type(e).__name__
    except KazooException as e:
        return type(e).__name__
    return None


def main():
    hosts = sys.argv[1]
    signal.signal(signal.SIGALRM, lambda *_: (sys.stderr.write("watchdog: operations hung\n"), sys.exit(3)))
    signal.alarm(WATCHDOG_S)
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=15)
    out = {}

    out["makepath"] = zk.create("/kz/a/b", b"deep", makepath=True)
    out["sequence"] = [zk.create("/kz/seq/n-", b"", sequence=True, makepath=True) for _ in range(2)]
    out["ephemeral_owner_is_session"] = zk.exists(zk.create("/kz/eph", ephemeral=True)).ephemeralOwner == zk.client_id[0]
    data, stat = zk.get("/kz/a/b")
    out["get"] = {"data": data.decode(), "version": stat.version, "dataLength": stat.data_length}
    out["children"] = sorted(zk.get_children("/kz"))

    out["errors"] = {
        "NoNodeError": error_name(lambda: zk.get("/kz/missing")),
        "NodeExistsError": error_name(lambda: zk.create("/kz/a")),
        "NotEmptyError": error_name(lambda: zk.delete("/kz/a")),
        "BadVersionError": error_name(lambda: zk.set("/kz/a/b", b"x", version=7)),
        "NoChildrenForEphemeralsError": error_name(lambda: zk.create("/kz/eph/child")),
        # The auth scheme from a session that added no credentials.
        "InvalidACLError": error_name(lambda: zk.create("/kz/no-creds", acl=[make_acl("auth", "", all=True)])),
    }

    tx = zk.transaction()
    tx.create("/kz/tx-new")
    tx.check("/kz/a/b", 42)
    tx.create("/kz/tx-after")
    out["failed_transaction"] = [type(r).__name__ for r in tx.commit()]
    out["failed_transaction_applied"] = zk.exists("/kz/tx-new") is not None

    tx = zk.transaction()
    tx.create("/kz/tx-ok", b"1")
    tx.set_data("/kz/tx-ok", b"2")
    tx.delete("/kz/tx-ok")
    results = tx.commit()
    out["transaction"] = [r if isinstance(r, (str, bool)) else type(r).__name__ for r in results]

    # DataWatch calls back with the current data first, then once per change, in order. Each
    # change waits for the previous callback, since DataWatch re-reads the node when it fires.
    seen = []
    calls = threading.Semaphore(0)

    @zk.DataWatch("/kz/watched")
    def watch(data, stat, event=None):
        seen.append([None if data is None else data.decode(), None if event is None else event.type])
        calls.release()

    steps = [lambda: None, lambda: zk.create("/kz/watched", b"v1"), lambda: zk.set("/kz/watched", b"v2"), lambda: zk.delete("/kz/watched")]
    for step in steps:
        step()
        if not calls.acquire(timeout=10):
            break
    out["data_watch"] = seen

    acl = make_digest_acl("bob", "pw", all=True)
    zk.create("/kz/private", b"s", acl=[acl])
    other = KazooClient(hosts=hosts, timeout=10)
    other.start(timeout=15)
    out["private_without_auth"] = error_name(lambda: other.get("/kz/private"))
    other.add_auth("digest", "bob:pw")
    out["private_with_auth"] = other.get("/kz/private")[0].decode()
    out["private_acl_without_auth"] = error_name(lambda: zk.get_acls("/kz/private"))
    acls, _ = other.get_acls("/kz/private")
    out["private_acl"] = [[a.perms, a.id.scheme, a.id.id] for a in acls]
    other.stop()

    zk.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
