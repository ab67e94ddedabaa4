#!/usr/bin/env bash
# Train and export training/models/curveseg/v2: v1 (runs/v1-ft/best.pt,
# from train_default.sh) fine-tuned in two phases (STEPS at lr 1e-3 on one
# tile set -> runs/v2, then STEPS2 at lr 5e-4 on a second -> runs/v2b)
# on tiles cut from PREPARED images, the
# pixels the Go segment stage sees: `services/evaluate --export-tiles`
# renders synth logs, runs raster.Preprocess (deskew, contrast), warps the
# mask onto the result and cuts tiles. Progress: runs/v2.log, v2b.log; a
# phase whose output exists is not run again. The export is scored by
# services/evaluate with v1 and the mask on the same held-out logs into
# runs/v2-eval, and the summary recorded in the card.
#
#   bash training/train_v2.sh   # STEPS=2400 STEPS2=1500 TILES=4800 THREADS=2
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE

STEPS="${STEPS:-2400}"
STEPS2="${STEPS2:-1500}"
TILES="${TILES:-4800}"
THREADS="${THREADS:-2}"
LOSS="${LOSS:-tversky:alpha=0.3,beta=0.7+0.5*focal:gamma=2}"
VERSION="${VERSION:-v2}"
INIT="${INIT:-runs/v1-ft/best.pt}"

cd "$root"
if [ ! -f "$here/data/prep-train/stats.json" ]; then
  nice go run ./services/evaluate --export-tiles "$here/data/prep-train" \
    --tiles-n "$TILES" --tiles-seed 1
  nice go run ./services/evaluate --export-tiles "$here/data/prep-val" \
    --tiles-n 192 --tiles-seed 2
fi
if [ ! -f "$here/data/prep-train2/stats.json" ]; then
  nice go run ./services/evaluate --export-tiles "$here/data/prep-train2" \
    --tiles-n "$TILES" --tiles-seed 3
fi

cd "$here"
mkdir -p runs
if [ ! -f "runs/$VERSION/summary.json" ]; then
  echo "fine-tuning $INIT on prepared tiles ($STEPS steps); progress in runs/$VERSION.log"
  nice "$py" -m curveseg.train --train data/prep-train --val data/prep-val \
    --loss "$LOSS" --width 8 --threads "$THREADS" --seed 2 --steps "$STEPS" --val-every 400 \
    --lr 1e-3 --warmup 20 --init "$INIT" --out "runs/$VERSION" > "runs/$VERSION.log" 2>&1
fi
if [ ! -f "runs/${VERSION}b/summary.json" ]; then
  echo "phase 2 ($STEPS2 steps); progress in runs/${VERSION}b.log"
  nice "$py" -m curveseg.train --train data/prep-train2 --val data/prep-val \
    --loss "$LOSS" --width 8 --threads "$THREADS" --seed 3 --steps "$STEPS2" --val-every 300 \
    --lr 5e-4 --warmup 20 --init "runs/$VERSION/best.pt" --out "runs/${VERSION}b" \
    > "runs/${VERSION}b.log" 2>&1
fi
best="runs/${VERSION}b/best.pt"
"$py" -m curveseg.export --ckpt "$best" --out "models/curveseg/$VERSION" \
  --version "$VERSION" --tiles data/prep-val

eval_dir="runs/$VERSION-eval"
(cd "$root" && nice go run ./services/evaluate \
  --model "$VERSION=training/models/curveseg/$VERSION/model.onnx" \
  --model v1=training/models/curveseg/v1/model.onnx --model mask \
  --easy "${EVAL_EASY:-6}" --hard "${EVAL_HARD:-12}" --height "${EVAL_HEIGHT:-3000}" \
  --threads 1 --out "training/$eval_dir")
"$py" -m curveseg.export --ckpt "$best" --out "models/curveseg/$VERSION" \
  --version "$VERSION" --tiles data/prep-val --pipeline-metrics "$eval_dir/summary.json"
