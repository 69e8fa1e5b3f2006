#!/usr/bin/env bash
# Makes a Docker engine available on a machine without systemd: installs
# Debian's docker.io, docker-compose (v1) and debootstrap when missing, then
# starts dockerd in the background unless one already answers.
# Published ports bind to 127.0.0.1 only (--ip), so test databases are not
# reachable from the network.
set -euo pipefail

readonly DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
readonly READY_TIMEOUT_SECONDS=60

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]} > 0)); then
  echo "start-docker: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# /usr/local/bin/docker may be a newer client than Debian's daemon; it
# negotiates the API version down, and this check proves it talks to it.
if docker info >/dev/null 2>&1; then
  echo "start-docker: dockerd already running"
  exit 0
fi

echo "start-docker: starting dockerd (log: ${DOCKERD_LOG})"
# setsid + nohup: the daemon outlives this script and the CI step's session.
setsid nohup dockerd --ip 127.0.0.1 >"${DOCKERD_LOG}" 2>&1 </dev/null &
dockerd_pid=$!

for ((i = 0; i < READY_TIMEOUT_SECONDS * 2; i++)); do
  if docker info >/dev/null 2>&1; then
    echo "start-docker: dockerd ready (pid ${dockerd_pid})"
    exit 0
  fi
  if ! kill -0 "${dockerd_pid}" 2>/dev/null; then
    echo "start-docker: ERROR dockerd exited; last log lines:" >&2
    tail -n 30 "${DOCKERD_LOG}" >&2
    exit 1
  fi
  sleep 0.5
done
echo "start-docker: ERROR dockerd not ready after ${READY_TIMEOUT_SECONDS}s; last log lines:" >&2
tail -n 30 "${DOCKERD_LOG}" >&2
exit 1
