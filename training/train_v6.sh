#!/usr/bin/env bash
# Train, score and export training/models/curveseg/v6: v4's best checkpoint
# (runs/v4/best.pt, from train_v4.sh) fine-tuned STEPS more steps at lr
# 3e-4 (warm-up 20, cosine to 5%) with v4's loss on 14 400 fresh prepared
# tiles (seed 6, logs apart from every earlier set and the held-out
# 900001..) of which half the curve-centred ones sit on the px where the
# hard tier's traces go wrong: near-horizontal stretches (spikes and sweeps
# drawn along grid lines) and solid-dashed crossings (`services/evaluate
# --tiles-focus 0.5`). Progress: runs/v6.log. A phase whose output exists
# is not run again.
#
# v6, v4 and the mask are scored in ONE services/evaluate run on 12 easy
# and 48 hard held-out logs into runs/v6-eval; v6 is copied to
# models/curveseg/v6 only when it beats v4's hard-tier medians on both
# classes and loses no more than 0.002 on the easy ones (KEEP=1 forces it).
#
#   bash training/train_v6.sh   # STEPS=5000 THREADS=2
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

STEPS="${STEPS:-5000}"
THREADS="${THREADS:-2}"
LOSS="${LOSS:-tversky:alpha=0.25,beta=0.75+0.5*focal:gamma=2,weights=1/1/3}"
VERSION="${VERSION:-v6}"
INIT="${INIT:-runs/v4/best.pt}"

. "$here/finetune.sh"
ensure_tiles prep-val-1.2 192 2
ensure_tiles prep-train6 14400 6 0.5

enter_runs train_v6.sh train_v4.sh
fine_tune "focused tiles" data/prep-train6 7 3e-4
best="runs/$VERSION/best.pt"
score_and_keep "$VERSION" "$best" data/prep-val-1.2 v4 0.002 \
  --model v4=training/models/curveseg/v4/model.onnx --model mask
