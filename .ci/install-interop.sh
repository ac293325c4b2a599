#!/usr/bin/env bash
# Installs what the interop tests run against: Apache ZooKeeper (server, zkCli.sh), kazoo,
# Apache Curator's recipes and x-discovery (test/interop/recipes-curator.test.ts, which skips without them) and
# its test kit (the bench's testing section times Curator's TestingCluster beside Paddock's), the
# tools the guides' console transcripts use (nc, curl, jq: test/integration/docs/guides.test.ts),
# openssl (the TLS tests make their certificates with it) and Netty's jars (libnetty-java: Apache
# ZooKeeper's TLS needs netty-codec and netty-resolver, which zookeeper.jar's Class-Path omits), and
# the toolchain `npm ci` needs to build the `zookeeper` devDependency (a node-gyp binding that
# compiles the ZooKeeper C client from sources bundled in the npm tarball; nothing is downloaded
# besides node headers when node itself is not installed under /usr), and Debian's Chromium, which
# the web console's browser tests drive through playwright-core (test/browser; no browser download).
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends zookeeper python3-kazoo python3-pure-sasl libcurator-recipes-java libcurator-discovery-java libcurator-test-java libnetty-java openssl g++ make python3 iproute2 netcat-openbsd curl jq chromium >/dev/null
fi
