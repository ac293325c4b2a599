#!/usr/bin/env bash
# Installs what the interop tests run against: Apache ZooKeeper (server, zkCli.sh) and kazoo.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends zookeeper python3-kazoo >/dev/null
fi
