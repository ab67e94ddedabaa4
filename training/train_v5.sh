#!/usr/bin/env bash
# Train, score and export training/models/curveseg/v5: v4's best checkpoint
# (runs/v4/best.pt, from train_v4.sh) widened from 8 to 12 channels at full
# resolution (`curveseg.widen`: the old channels keep their weights, the
# new ones start random and unread, so training starts from v4's output)
# and trained STEPS steps at lr 6e-4 (warm-up 50, cosine to 5%) on v4's
# synth/1.2.0 tiles (data/prep-train5) with v4's loss. About 2.3x v4's
# compute per px. Progress: runs/v5.log. A phase whose output exists is
# not run again.
#
# v5, v4 and the mask are scored in ONE services/evaluate run on 12 easy
# and 48 hard held-out logs into runs/v5-eval; v5 is copied to
# models/curveseg/v5 only when it beats v4's hard-tier medians on both
# classes and loses no more than 0.002 on the easy ones (KEEP=1 forces it).
#
#   bash training/train_v5.sh   # STEPS=3000 THREADS=2
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

STEPS="${STEPS:-3000}"
THREADS="${THREADS:-2}"
LOSS="${LOSS:-tversky:alpha=0.25,beta=0.75+0.5*focal:gamma=2,weights=1/1/3}"
VERSION="${VERSION:-v5}"
INIT="${INIT:-runs/v4/best.pt}"
WIDTH="${WIDTH:-12}"

. "$here/finetune.sh"
ensure_tiles prep-val-1.2 192 2
ensure_tiles prep-train5 14400 5

enter_runs train_v5.sh train_v4.sh
widened="runs/$VERSION-init.pt"
if [ ! -f "$widened" ]; then
  "$py" -m curveseg.widen --ckpt "$INIT" --width "$WIDTH" --out "$widened"
fi
fine_tune "v4's tiles, widened to $WIDTH channels" data/prep-train5 6 6e-4 \
  --width "$WIDTH" --warmup 50 --init "$widened"
best="runs/$VERSION/best.pt"
score_and_keep "$VERSION" "$best" data/prep-val-1.2 v4 0.002 \
  --model v4=training/models/curveseg/v4/model.onnx --model mask
