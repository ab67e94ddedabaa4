#!/usr/bin/env bash
# CI for training/: unit tests of losses, model, data and export; a
# few-step train on synthetic tiles; export; then the Go parity test that
# runs the exported ONNX in ONNX Runtime and compares with PyTorch.
# Uses Debian's /usr/bin/python3 (python3-torch), never the python3 on PATH.
# Runs in about a minute on 2 cores.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE  # idle OpenMP threads sleep: the cores are shared
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! "$py" -c 'import torch, numpy, PIL' 2>/dev/null; then
  echo "training/test.sh: $py cannot import torch, numpy, PIL;" \
    "run deploy/local/setup.sh --with-training" >&2
  exit 1
fi

echo "== training: unit tests"
cd "$here"
"$py" -m unittest discover -s tests -t . -v 2>&1 | tail -n 40

echo "== training: few-step train"
if [ -d "$root/services/synth" ]; then
  (cd "$root" && go run ./services/synth tiles --out "$work/train" --n 24 --tile 256 \
    --tier mixed --seed 11)
  (cd "$root" && go run ./services/synth tiles --out "$work/val" --n 8 --tile 256 \
    --tier hard --seed 12)
  train="$work/train" val="$work/val"
else
  echo "services/synth not present: training on procedural tiles"
  train="procedural:32" val="procedural:8"
fi
nice "$py" -m curveseg.train --train "$train" --val "$val" --steps 12 --batch 4 \
  --crop 96 --width 4 --warmup 2 --log-every 4 --val-every 6 \
  --loss "tversky:alpha=0.3,beta=0.7+0.5*focal" --out "$work/run"

echo "== training: export"
tiles_arg=()
[ -d "$train" ] && tiles_arg=(--tiles "$train")
"$py" -m curveseg.export --ckpt "$work/run/best.pt" --out "$work/model" \
  --version ci "${tiles_arg[@]}"

echo "== training: ONNX Runtime parity (Go)"
cd "$root"
CURVESEG_MODEL="$work/model/model.onnx" go test -count=1 -run 'TestModelParity' \
  ./services/evaluate/
echo "training/test.sh: ok"
