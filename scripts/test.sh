#!/usr/bin/env bash
# `npm test`: the whole suite on a fresh machine. Makes the prerequisites ready (see
# test-prerequisites.sh), raises the open-files limit (the connection storms open thousands of
# sockets), then runs vitest with any arguments given (`npm test -- test/engine/scenario-loop.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-prerequisites.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
exec npx vitest run "$@"
