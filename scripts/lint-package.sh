#!/usr/bin/env bash
# Lints the package as it is published: packs it once (prepack builds
# everything the tarball holds), then checks the tarball with
#   - publint: the package.json fields and exports against the files shipped;
#   - arethetypeswrong: that every entry point's types resolve, and describe the
#     module system loaded, under TypeScript's node16 (CommonJS and ESM), nodenext
#     and bundler resolution. Profile node16 leaves out node10, which has no
#     `exports` and so cannot see the subpaths.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

workdir="$(mktemp -d)"
trap 'rm -rf "${workdir}"' EXIT

tarball="${workdir}/$(npm pack --silent --pack-destination "${workdir}" | tail -n 1)"
npx publint run --strict "${tarball}"
npx attw --profile node16 "${tarball}"
