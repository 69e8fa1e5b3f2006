#!/usr/bin/env bash
# Builds a DynamoDB Local image without a registry: no base image can be pulled
# here, so the root filesystem comes from debootstrap (Debian bookworm +
# Java 17) and the jar from scripts/fetch-dynamodb-local.sh. The image copies
# the official amazon/dynamodb-local layout, so the same command line,
# docker-compose.test.yml and Testcontainers code work with either.
# Does nothing when the tag already exists.
#
# Usage: build-dynamodb-local-image.sh [TAG]   (needs root, docker, debootstrap)
set -euo pipefail

readonly TAG="${1:-localhost/dynamodb-local:1.11.478}"

if docker image inspect "${TAG}" >/dev/null 2>&1; then
  echo "build-dynamodb-local-image: ${TAG} already present"
  exit 0
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar_dir="$(bash "${repo_root}/scripts/fetch-dynamodb-local.sh")"

# /var/tmp rather than /tmp: the root filesystem is ~200 MB and /tmp may be
# a RAM-backed tmpfs.
work="$(mktemp -d /var/tmp/dynamodb-local-image.XXXXXX)"
rootfs="${work}/rootfs"
cleanup() {
  # debootstrap mounts proc/sys inside the target and may leave them mounted
  # when it fails; unmount first, and never let rm cross into a mount.
  grep -o " ${rootfs}/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "${work}"
}
trap cleanup EXIT

started=${SECONDS}
echo "build-dynamodb-local-image: debootstrap bookworm + openjdk-17-jre-headless (about 40 s)"
debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "${rootfs}" >"${work}/debootstrap.log" 2>&1 || {
  echo "build-dynamodb-local-image: ERROR debootstrap failed; last log lines:" >&2
  tail -n 30 "${work}/debootstrap.log" >&2
  exit 1
}
echo "build-dynamodb-local-image: debootstrap took $((SECONDS - started)) s"

# Same home, user and files as the official image, which runs as the
# unprivileged dynamodblocal user (hence `user: root` when mounting -dbPath).
chroot "${rootfs}" useradd --uid 1000 --user-group --home-dir /home/dynamodblocal --no-create-home dynamodblocal
mkdir -p "${rootfs}/home/dynamodblocal"
cp -r "${jar_dir}/DynamoDBLocal.jar" "${jar_dir}/DynamoDBLocal_lib" "${rootfs}/home/dynamodblocal/"
chroot "${rootfs}" chown -R dynamodblocal:dynamodblocal /home/dynamodblocal
# Package caches only make the image bigger.
rm -rf "${rootfs}"/var/cache/apt/archives/*.deb "${rootfs}"/var/lib/apt/lists/*

import_started=${SECONDS}
tar -C "${rootfs}" -c . | docker import \
  --change 'WORKDIR /home/dynamodblocal' \
  --change 'USER dynamodblocal' \
  --change 'EXPOSE 8000' \
  --change 'ENTRYPOINT ["java"]' \
  --change 'CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]' \
  - "${TAG}" >/dev/null
echo "build-dynamodb-local-image: docker import took $((SECONDS - import_started)) s"
echo "build-dynamodb-local-image: built ${TAG} in $((SECONDS - started)) s"
