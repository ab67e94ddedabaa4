#!/usr/bin/env bash
# Segmentation inference benchmark: ONNX Runtime from Go against PyTorch,
# side by side on the same model and the same tiles, then the Go
# segmenter on a 2000 x 60000 px strip (rows/s, peak memory).
#
# Knobs (environment):
#   ARCH        model to build: curveseg (the shipped U-Net's architecture,
#               random weights; default), bench or tiny
#   THREADS     threads for both runtimes (default: nproc)
#   TILES       number of tiles (default 16)
#   TILE        tile edge, px (default 512)
#   REPEAT      passes over the tiles (default 3)
#   STRIP_ROWS  rows of the strip run (default 60000; 0 skips it)
#
# Needs /usr/bin/python3 with torch (Debian python3-torch) and Go; fetches
# the ONNX Runtime library with setup-onnxruntime.sh when missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
arch="${ARCH:-curveseg}"
threads="${THREADS:-$(nproc)}"
ntiles="${TILES:-16}"
tile="${TILE:-512}"
repeat="${REPEAT:-3}"
rows="${STRIP_ROWS:-60000}"
py=/usr/bin/python3

"$repo/deploy/local/setup-onnxruntime.sh" >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== model ($arch) and $ntiles tiles of $tile px, $threads threads"
nice "$py" training/bench_infer.py export --out "$work/model" --arch "$arch" 2>/dev/null
nice "$py" training/bench_infer.py tiles --out "$work/tiles.u8" --n "$ntiles" --tile "$tile"

export DIGITISE_BENCH_MODEL="$work/model/model.onnx"
export DIGITISE_BENCH_TILES="$work/tiles.u8"
export DIGITISE_BENCH_THREADS="$threads"
export DIGITISE_BENCH_STRIP_ROWS="$rows"

echo "== PyTorch"
torch_json="$(nice "$py" training/bench_infer.py bench --model "$work/model" \
	--tiles "$work/tiles.u8" --threads "$threads" --repeat "$repeat")"
echo "$torch_json"

echo "== Go + ONNX Runtime"
go_out="$(nice go test -run '^$' -bench '^BenchmarkONNXTiles$' -benchtime="${repeat}x" \
	-benchmem ./pkg/segment)"
echo "$go_out" | grep -E '^Benchmark'

metric() { # metric NAME: the value before NAME on a benchmark line
	awk -v m="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == m) print $(i-1) }'
}
go_tps="$(echo "$go_out" | metric tiles/s)"
torch_tps="$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["tiles_per_s"])' \
	"$torch_json")"
ratio="$(awk -v g="$go_tps" -v t="$torch_tps" 'BEGIN { printf "%.2f", g / t }')"

if [ "$rows" -gt 0 ]; then
	echo "== Go strip 2000 x $rows px"
	strip_out="$(nice go test -run '^$' -bench '^BenchmarkONNXStrip$' -benchtime=1x \
		-timeout 60m ./pkg/segment)"
	echo "$strip_out" | grep -E '^Benchmark'
	strip_rows="$(echo "$strip_out" | metric rows/s)"
	strip_mb="$(echo "$strip_out" | metric peak_MB)"
fi

echo
echo "| measure | value |"
echo "| --- | --- |"
echo "| model | $arch, tile $tile px, $threads threads |"
echo "| PyTorch tiles/s | $(printf %.3f "$torch_tps") |"
echo "| Go ORT tiles/s | $(printf %.3f "$go_tps") |"
echo "| Go / PyTorch | ${ratio}x (target >= 1.5x) |"
if [ "$rows" -gt 0 ]; then
	echo "| strip 2000 x $rows rows/s | $strip_rows |"
	echo "| strip peak memory MB | $strip_mb |"
fi
