#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: install it from the
# distribution's packages when missing and start dockerd when nothing runs it
# (containers and CI machines have no init system to do it for us).
set -euo pipefail

sock=/var/run/docker.sock

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    echo "docker-engine: installing docker.io and debootstrap" >&2
    export DEBIAN_FRONTEND=noninteractive
    for attempt in 1 2 3; do
        apt-get update -q && apt-get install -y -q docker.io debootstrap && break
        echo "docker-engine: apt attempt $attempt failed, retrying" >&2
        sleep $((attempt * 5))
    done
fi

if ! engine_answers; then
    echo "docker-engine: starting dockerd" >&2
    log=${DOCKERD_LOG:-/var/log/dockerd.log}
    setsid dockerd >"$log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        if [ -S "$sock" ] && engine_answers; then
            break
        fi
        sleep 1
    done
fi

if ! engine_answers; then
    echo "docker-engine: dockerd did not answer within 60 s; see ${DOCKERD_LOG:-/var/log/dockerd.log}" >&2
    exit 1
fi
