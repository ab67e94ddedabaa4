#!/usr/bin/env bash
# Install the ONNX Runtime shared library the Go segmenter loads.
#
# The library comes from the onnxruntime-node npm package, which carries
# prebuilt libonnxruntime.so.1 for linux x64 and arm64. The script packs the
# pinned version into a temp dir, extracts only the library for this machine
# and checks its sha256 before moving it into place:
#
#   <repo>/.cache/onnxruntime/libonnxruntime.so.1
#
# Idempotent: a library already in place with the expected sha256 is kept.
# Needs npm, tar and sha256sum. Set ONNXRUNTIME_NPM_TGZ to a tarball packed
# earlier (`npm pack onnxruntime-node@1.24.3`) to skip the registry.
# onnxruntime_go v1.27 needs ORT API 24, so ORT >= 1.24.
set -euo pipefail

ORT_VERSION=1.24.3
# sha256 of package/bin/napi-v6/linux/<arch>/libonnxruntime.so.1 in
# onnxruntime-node-1.24.3.tgz, recorded when the version was pinned.
SHA_X64=92ba8e44d31b80a34f5e805076a044122c3be1fffe0d88ed790de7267b0b2682
SHA_ARM64=33032cb5b91c12edbf028d7c69fa40a31848d66c0095448758af237d5e0b07db

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest_dir="$repo/.cache/onnxruntime"
dest="$dest_dir/libonnxruntime.so.1"

case "$(uname -m)" in
x86_64 | amd64) arch=x64 want="$SHA_X64" ;;
aarch64 | arm64) arch=arm64 want="$SHA_ARM64" ;;
*)
	echo "setup-onnxruntime: no prebuilt library for $(uname -m);" \
		"build ONNX Runtime >= 1.24 and set ONNXRUNTIME_LIB" >&2
	exit 1
	;;
esac
if [ "$(uname -s)" != Linux ]; then
	echo "setup-onnxruntime: only Linux is supported; set ONNXRUNTIME_LIB" >&2
	exit 1
fi

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$want" ]; then
	echo "setup-onnxruntime: $dest is up to date (onnxruntime $ORT_VERSION $arch)"
	exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

tgz="${ONNXRUNTIME_NPM_TGZ:-}"
if [ -z "$tgz" ]; then
	echo "setup-onnxruntime: npm pack onnxruntime-node@$ORT_VERSION"
	(cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
	tgz="$tmp/onnxruntime-node-$ORT_VERSION.tgz"
fi
if [ ! -f "$tgz" ]; then
	echo "setup-onnxruntime: $tgz not found; check npm can reach its registry" >&2
	exit 1
fi

member="package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
tar -xzf "$tgz" -C "$tmp" "$member"
got="$(sha_of "$tmp/$member")"
if [ "$got" != "$want" ]; then
	echo "setup-onnxruntime: sha256 mismatch for $member:" \
		"got $got, want $want; refusing to install" >&2
	exit 1
fi

mkdir -p "$dest_dir"
install -m 0644 "$tmp/$member" "$dest.partial"
mv -f "$dest.partial" "$dest"
echo "setup-onnxruntime: installed $dest (onnxruntime $ORT_VERSION $arch, sha256 $got)"
