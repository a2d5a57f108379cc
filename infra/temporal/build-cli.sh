#!/usr/bin/env bash
# Finds the Temporal CLI (whose `server start-dev` is a real Temporal server with SQLite persistence),
# building it once from the Go module proxy when missing. Prints the binary's path on its last line.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the cache directory outside the repo, else build there.
set -euo pipefail

version="v1.5.1" # later tags carry a replace directive that `go install` refuses
cache_bin="${LIFELINE_CACHE_DIR:-$HOME/.cache/lifeline}/bin"

if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$cache_bin/temporal" ]; then echo "$cache_bin/temporal"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "Go is needed to build the Temporal CLI (or set TEMPORAL_ADDRESS / TEMPORAL_CLI_PATH)" >&2; exit 1; }
mkdir -p "$cache_bin"
echo "building the Temporal CLI $version into $cache_bin (once; a few minutes on a cold Go cache)" >&2
GOBIN="$cache_bin" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "$cache_bin/temporal"
