#!/usr/bin/env bash
# Installs what the interop tests run against: Apache ZooKeeper (server, zkCli.sh), kazoo,
# Apache Curator's recipes (test/interop/recipes-curator.test.ts, which skips without them), the
# tools the guides' console transcripts use (nc, curl, jq: test/integration/docs/guides.test.ts), and
# the toolchain `npm ci` needs to build the `zookeeper` devDependency (a node-gyp binding that
# compiles the ZooKeeper C client from sources bundled in the npm tarball; nothing is downloaded
# besides node headers when node itself is not installed under /usr).
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends zookeeper python3-kazoo libcurator-recipes-java g++ make python3 iproute2 netcat-openbsd curl jq >/dev/null
fi
