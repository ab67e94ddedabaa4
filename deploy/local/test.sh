#!/usr/bin/env bash
# The project's test command (README, CI): set up, vet, run every Go test
# once, package by package, then the training tests when training/ has them.
# Prints go test's summary lines at the end and exits non-zero when any step
# fails; later steps still run so one report shows every failure.
#
#   deploy/local/test.sh
#
# For a quicker local run: TEST_PKGS="./pkg/store/..." narrows vet and test
# (default ./...); TEST_SKIP_TRAINING=1 skips training/test.sh. CI sets
# neither.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo" || exit 1
exec </dev/null

say() { printf '\n== test: %s\n' "$*"; }
failed=()

say "setup"
if ! bash deploy/local/setup.sh --with-training; then
	echo "test: setup failed; nothing else can run" >&2
	exit 1
fi
export VERSITYGW="$repo/.cache/bin/versitygw"

read -r -a pkgs <<<"${TEST_PKGS:-./...}"

say "go vet ${pkgs[*]}"
go vet "${pkgs[@]}" || failed+=("go vet")

say "go test -p 1 -timeout 30m ${pkgs[*]}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
go test -p 1 -timeout 30m "${pkgs[@]}" 2>&1 | tee "$log"
test_rc=${PIPESTATUS[0]}
[ "$test_rc" -eq 0 ] || failed+=("go test")

if [ -f training/test.sh ] && [ -z "${TEST_SKIP_TRAINING:-}" ]; then
	say "training/test.sh"
	bash training/test.sh || failed+=("training/test.sh")
fi

say "summary"
grep -E '^(ok|FAIL|\?)[[:space:]]' "$log" || true
printf 'packages: %d ok, %d failed, %d without tests\n' \
	"$(grep -c '^ok ' "$log")" "$(grep -c '^FAIL[[:space:]]' "$log")" \
	"$(grep -c '^? ' "$log")"
if [ "${#failed[@]}" -gt 0 ]; then
	printf 'test: FAILED: %s\n' "${failed[*]}" >&2
	exit 1
fi
echo "test: all passed"
