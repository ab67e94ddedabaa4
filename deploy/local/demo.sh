#!/usr/bin/env bash
# The project's demo command (README): set up, then run the whole pipeline
# on a local stack (embedded NATS + versitygw) over the sample archive and,
# when ../shared/realdata is present, the real scan. Arguments go to
# `digitise demo` (try --help).
#
#   deploy/local/demo.sh [digitise demo flags]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

bash deploy/local/setup.sh
export VERSITYGW="$repo/.cache/bin/versitygw"
exec go run ./services/digitise demo "$@"
