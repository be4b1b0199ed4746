#!/usr/bin/env bash
# What the test suite needs besides npm packages, made ready on this machine: a Docker engine (the
# containers and compose stacks), Debian's docker-compose (v1) and debootstrap (gameday's base image,
# built here: no registry is reachable), Chromium (report.html is checked in a real browser), Debian's
# Prometheus (with promtool) and Alertmanager (the real alert sources, `promtool test rules`), psql
# (runbook verify runs a runbook's psql commands as written, with the real client), and the images
# those stacks run. Missing Debian packages are installed with apt-get (as root, or through
# sudo without a password); anything that cannot be made ready is named with the command that would.
# `npm test` runs this first; it is safe to run again (nothing is done twice).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'test prerequisites: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1
  fi
}

packages=()
for tool in dockerd:docker.io docker-compose:docker-compose debootstrap:debootstrap chromium:chromium \
  prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
  psql:postgresql-client; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || packages+=("${tool##*:}")
done
# Once each (prometheus ships promtool too).
if [ ${#packages[@]} -gt 0 ]; then mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u); fi
if [ ${#packages[@]} -gt 0 ]; then
  say "installing ${packages[*]} from Debian (once)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends ${packages[*]} >/dev/null"; then
    say "cannot install ${packages[*]}: run \`sudo apt-get install ${packages[*]}\`, then \`npm test\` again"
    exit 3
  fi
fi

# Debian's prometheus and prometheus-alertmanager packages start their daemons where an init system
# runs (on 0.0.0.0:9090/9093, which docker-compose.yml's own take on 127.0.0.1): gameday runs its own,
# so any such daemon is stopped. (Without systemd, as in CI containers, none is started.)
for daemon in prometheus prometheus-alertmanager prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$daemon" 2>/dev/null; then
    say "stopping Debian's $daemon service (gameday runs its own)"
    as_root systemctl disable --now "$daemon" >/dev/null 2>&1 || true
  fi
done

if ! docker info >/dev/null 2>&1; then
  say "starting the Docker engine (dockerd, log in /tmp/gameday-dockerd.log)"
  as_root sh -c 'nohup dockerd >/tmp/gameday-dockerd.log 2>&1 &' || {
    say 'cannot start dockerd: start a Docker engine, then `npm test` again'
    exit 3
  }
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /tmp/gameday-dockerd.log >&2; say 'dockerd did not come up'; exit 3; }
fi

# gameday's base image and the compose stand-ins (cached; seconds when present).
node bin/gameday.js images --compose >&2
