#!/usr/bin/env bash
# Prepare this checkout to run the demo and the tests: tools go under
# <repo>/.cache/ (gitignored). Idempotent: a second run only checks.
#
#   deploy/local/setup.sh [--with-training]
#
# Steps:
#   1. versitygw v1.8.0 (S3 gateway for the local stack) built into
#      .cache/bin/ with `go install`, unless already there at that version;
#   2. ONNX Runtime via deploy/local/setup-onnxruntime.sh, when present;
#   3. Go modules downloaded, so tests need no network afterwards;
#   4. with --with-training: Debian's python3-torch, python3-numpy and
#      python3-pil (apt-get, needs root) when /usr/bin/python3 cannot
#      import torch.
# Needs: go (1.26+), gcc, npm for ONNX Runtime; root only for step 4.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
VERSITYGW_MODULE=github.com/versity/versitygw

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="$repo/.cache/bin"
vgw="$bin_dir/versitygw"
with_training=0

usage() {
	sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
	case "$arg" in
	--with-training) with_training=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "setup: unknown option $arg (try --help)" >&2
		exit 2
		;;
	esac
done

say() { printf 'setup: %s\n' "$*"; }
die() {
	printf 'setup: %s\n' "$*" >&2
	exit 1
}

command -v go >/dev/null || die "go not found on PATH; install Go 1.26 or newer"

# versitygw_ok reports whether $vgw is a v1.8.0 build: either its --version
# says so (our build stamps it) or Go's build info names the module version
# (a plain `go install` leaves --version at "git").
versitygw_ok() {
	[ -x "$vgw" ] || return 1
	if "$vgw" --version 2>/dev/null | grep -q "Version *: *$VERSITYGW_VERSION\$"; then
		return 0
	fi
	go version -m "$vgw" 2>/dev/null |
		grep -Eq "^[[:space:]]+mod[[:space:]]+$VERSITYGW_MODULE[[:space:]]+$VERSITYGW_VERSION([[:space:]]|\$)"
}

step_versitygw() {
	if versitygw_ok; then
		say "versitygw $VERSITYGW_VERSION present at $vgw"
		return
	fi
	say "building versitygw $VERSITYGW_VERSION into $bin_dir (first time: a few minutes)"
	mkdir -p "$bin_dir"
	GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
		go install -ldflags "-X=main.Version=$VERSITYGW_VERSION" \
		"$VERSITYGW_MODULE/cmd/versitygw@$VERSITYGW_VERSION"
	versitygw_ok || die "built $vgw but it does not report $VERSITYGW_VERSION"
	say "versitygw $VERSITYGW_VERSION installed at $vgw"
}

step_onnxruntime() {
	local script="$repo/deploy/local/setup-onnxruntime.sh"
	if [ ! -f "$script" ]; then
		say "no deploy/local/setup-onnxruntime.sh yet; skipping ONNX Runtime"
		return
	fi
	say "ONNX Runtime: running deploy/local/setup-onnxruntime.sh"
	bash "$script"
}

step_modules() {
	say "downloading Go modules"
	(cd "$repo" && go mod download)
}

step_training() {
	local py=/usr/bin/python3
	if [ -x "$py" ] && "$py" -c 'import torch, numpy, PIL' 2>/dev/null; then
		say "training: $py imports torch $("$py" -c 'import torch; print(torch.__version__)')"
		return
	fi
	[ "$(id -u)" -eq 0 ] || die "training needs python3-torch python3-numpy python3-pil:" \
		"run this as root, or: sudo apt-get install -y python3-torch python3-numpy python3-pil"
	command -v apt-get >/dev/null || die "training needs apt-get (Debian 12) to install python3-torch"
	say "training: installing python3-torch python3-numpy python3-pil with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y python3-torch python3-numpy python3-pil
	"$py" -c 'import torch, numpy, PIL' || die "$py still cannot import torch after apt-get"
	say "training: $py imports torch"
}

step_versitygw
step_onnxruntime
step_modules
if [ "$with_training" -eq 1 ]; then
	step_training
fi
say "done (tools under $repo/.cache)"
