#!/usr/bin/env bash
# Preview a built site the way CI does: start berth in the background on DIST
# with a free port and a ready file, wait until it is listening, run the test
# command with BASE_URL set, then stop berth with SIGTERM and exit with the
# test command's status.
#
#   scripts/ci_preview.sh [DIST] [-- TEST COMMAND...]
#
# DIST defaults to ./dist. Without a test command, a smoke test checks the
# health endpoint and the home page. Extra berth flags go in BERTH_FLAGS
# (default "--spa"); BERTH_CMD replaces "deno run ... main.ts" (e.g. a
# compiled berth binary). berth's log goes to $BERTH_LOG (default
# berth-preview.log).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
dist="dist"
if [ "$#" -gt 0 ] && [ "$1" != "--" ]; then
  dist="$1"
  shift
fi
if [ "$#" -gt 0 ] && [ "$1" = "--" ]; then shift; fi
if [ ! -d "$dist" ]; then
  echo "ci_preview: \"$dist\" is not a directory (build the site first)" >&2
  exit 2
fi
dist="$(cd "$dist" && pwd)"
state="$(mktemp -d)"
ready="$state/berth.url"
log="${BERTH_LOG:-berth-preview.log}"
read -r -a flags <<<"${BERTH_FLAGS:---spa}"
if [ -n "${BERTH_CMD:-}" ]; then
  read -r -a berth <<<"$BERTH_CMD"
else
  # The README's permissions, plus read/write on the state dir so the ready
  # file is written atomically (temp file + rename).
  berth=(deno run --allow-net=127.0.0.1 "--allow-read=$dist,$state" "--allow-write=$state"
    "$repo/main.ts")
fi

"${berth[@]}" "$dist" --port 0 --ready-file "$ready" --log-format json "${flags[@]}" >"$log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" || echo "ci_preview: berth exited with status $?" >&2
  fi
  rm -rf "$state"
}
trap stop EXIT

# Wait (at most 10 s) for the ready file: one line with the URL.
for _ in $(seq 1 200); do
  if [ -s "$ready" ]; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "ci_preview: berth stopped before it was ready:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.05
done
if [ ! -s "$ready" ]; then
  echo "ci_preview: berth was not ready after 10 s" >&2
  exit 1
fi
BASE_URL="$(head -n 1 "$ready")"
export BASE_URL
echo "ci_preview: berth is serving $dist at $BASE_URL"

status=0
if [ "$#" -gt 0 ]; then
  "$@" || status=$?
else
  curl -fsS "${BASE_URL}_berth/health" >/dev/null || status=$?
  curl -fsS -o /dev/null "$BASE_URL" || status=$?
fi
echo "ci_preview: tests finished with status $status"
exit "$status"
