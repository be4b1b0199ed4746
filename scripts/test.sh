#!/usr/bin/env bash
# `npm test`: the whole suite on a fresh machine. Makes the prerequisites ready (see
# test-prerequisites.sh), raises the open-files limit (the connection storms open thousands of
# sockets), then runs vitest: the integration tests first, then the two scenario lanes side by side,
# then the one scenario file that must run alone (vitest.config.ts says why, and what each holds).
# With arguments, vitest runs just those (`npm test -- test/engine/scenario-loop.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-prerequisites.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi

failed=0
npx vitest run --project integration || failed=1

# One vitest per lane: vitest gives every project of a group the same worker count, so two lanes of one
# file at a time each are two processes. Ctrl-C (or one lane's crash of this script) stops both.
lanes=()
trap 'kill -INT "${lanes[@]}" 2>/dev/null || true' INT TERM
npx vitest run --project scenarios &
lanes+=($!)
npx vitest run --project scenarios-docker &
lanes+=($!)
for lane in "${lanes[@]}"; do wait "$lane" || failed=1; done
trap - INT TERM
npx vitest run --project scenarios-alone || failed=1
exit "$failed"
