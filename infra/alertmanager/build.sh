#!/usr/bin/env bash
# Finds Prometheus Alertmanager (the declaration tests route real alerts through it), building it once from
# the Go module proxy when missing. Prints the binary's path on its last line.
# Order: $ALERTMANAGER_PATH, the cache directory outside the repo, else build there.
set -euo pipefail

version="v0.27.0" # later tags need a UI build that `go install` cannot run
cache_bin="${LIFELINE_CACHE_DIR:-$HOME/.cache/lifeline}/bin"

if [ -n "${ALERTMANAGER_PATH:-}" ] && [ -x "$ALERTMANAGER_PATH" ]; then echo "$ALERTMANAGER_PATH"; exit 0; fi
if [ -x "$cache_bin/alertmanager" ]; then echo "$cache_bin/alertmanager"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "Go is needed to build Alertmanager (or set ALERTMANAGER_PATH)" >&2; exit 1; }
mkdir -p "$cache_bin"
echo "building Alertmanager $version into $cache_bin (once; a few minutes on a cold Go cache)" >&2
GOBIN="$cache_bin" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/prometheus/alertmanager/cmd/alertmanager@$version" >&2
echo "$cache_bin/alertmanager"
