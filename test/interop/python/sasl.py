"""kazoo with SASL DIGEST-MD5 (sasl_options, through pure-sasl): connects as USER with PASSWORD
(or anonymously when USER is "-"), then does what the action asks and prints one JSON line.

usage: sasl.py HOSTS USER|- PASSWORD|- ACTION [ARGS...]
  own-acl PATH     create PATH readable only by sasl:USER, read it back, print its ACL
  read PATH        read PATH ({"error": "NoAuthError"} when the ACL refuses it)
  exists           get a session, then ask exists("/") ({"error": ...} with the exception's
                   name when the session or the request is refused)
"""
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.retry import KazooRetry
from kazoo.security import make_acl

# The whole script must end well inside the test's own timeout, whatever kazoo does.
threading.Timer(40, lambda: (print(json.dumps({"error": "watchdog"})), sys.stdout.flush(), __import__("os")._exit(3))).start()

hosts, user, password, action = sys.argv[1:5]
args = sys.argv[5:]


def client():
    options = {}
    if user != "-":
        options["sasl_options"] = {"mechanism": "DIGEST-MD5", "username": user, "password": password}
    # One attempt: a refused authentication must surface, not be retried until the watchdog.
    zk = KazooClient(hosts=hosts, timeout=10, connection_retry=KazooRetry(max_tries=0), **options)
    zk.start(timeout=8)
    return zk


def main():
    try:
        zk = client()
    except Exception as error:  # AuthFailedError, or the timeout kazoo raises when refused
        return {"error": type(error).__name__}
    try:
        if action == "exists":
            # Bounded: kazoo 2.8 does not know SESSIONCLOSEDREQUIRESASLAUTH (-124) and its
            # connection thread dies on it, so the request would otherwise wait for ever.
            try:
                return {"exists": zk.exists_async("/").get(timeout=5) is not None}
            except Exception as error:
                return {"error": type(error).__name__}
        if action == "own-acl":
            zk.create(args[0], b"for " + user.encode(), acl=[make_acl("sasl", user, all=True)])
            data, _ = zk.get(args[0])
            acl, _ = zk.get_acls(args[0])
            return {"data": data.decode(), "acl": [[a.perms, a.id.scheme, a.id.id] for a in acl]}
        if action == "read":
            try:
                data, _ = zk.get(args[0])
                return {"data": data.decode()}
            except NoAuthError:
                return {"error": "NoAuthError"}
        return {"error": "unknown action " + action}
    finally:
        try:
            zk.stop()
            zk.close()
        except Exception:
            pass


print(json.dumps(main()))
sys.stdout.flush()
__import__("os")._exit(0)
