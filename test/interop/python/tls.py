"""kazoo over TLS: connects with use_ssl=True and the given CA and client certificate, then does
what the action asks and prints one JSON line.

usage: tls.py HOSTS CA CERTFILE|- KEYFILE|- ACTION [ARGS...]
  session              create /tls-kazoo and read it back
  own-acl SUBJECT      create /x509-<n> readable only by x509:SUBJECT and read it back
  read PATH            read PATH (NoAuthError expected for another subject's node)
  refused              expect no session within a few seconds
  plain-refused        the same without TLS (use_ssl=False) against the port given
"""
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import make_acl

# The whole script must end well inside the test's own timeout, whatever kazoo does.
threading.Timer(40, lambda: (print(json.dumps({"error": "watchdog"})), sys.stdout.flush(), __import__("os")._exit(3))).start()

hosts, ca, certfile, keyfile, action = sys.argv[1:6]
args = sys.argv[6:]


def client(timeout):
    zk = KazooClient(
        hosts=hosts,
        use_ssl=True,
        verify_certs=True,
        ca=ca,
        certfile=None if certfile == "-" else certfile,
        keyfile=None if keyfile == "-" else keyfile,
        timeout=timeout,
    )
    zk.start(timeout=timeout)
    return zk


def main():
    if action in ("refused", "plain-refused"):
        try:
            if action == "refused":
                zk = client(3)
            else:
                zk = KazooClient(hosts=hosts, timeout=3)
                zk.start(timeout=3)
        except Exception as error:  # the timeout kazoo raises when no server grants a session
            return {"connected": False, "error": type(error).__name__}
        zk.stop()
        return {"connected": True}
    zk = client(10)
    try:
        if action == "session":
            zk.create("/tls-kazoo", b"over tls", makepath=True)
            data, _ = zk.get("/tls-kazoo")
            return {"data": data.decode()}
        if action == "own-acl":
            path = zk.create("/x509-", b"mine", acl=[make_acl("x509", args[0], all=True)], sequence=True)
            data, _ = zk.get(path)
            acl, _ = zk.get_acls(path)
            return {"path": path, "data": data.decode(), "acl": [[a.perms, a.id.scheme, a.id.id] for a in acl]}
        if action == "read":
            try:
                data, _ = zk.get(args[0])
                return {"data": data.decode()}
            except NoAuthError:
                return {"error": "NoAuthError"}
        return {"error": "unknown action " + action}
    finally:
        zk.stop()
        zk.close()


print(json.dumps(main()))
sys.stdout.flush()
__import__("os")._exit(0)
