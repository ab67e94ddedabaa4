#!/usr/bin/env bash
# Train, score and export training/models/curveseg/v3: v2's best checkpoint
# (runs/v2b/best.pt, from train_v2.sh) fine-tuned for STEPS more steps at
# lr 3e-4 (warm-up 20, cosine to 5%) on TILES fresh tiles cut from PREPARED
# images (`services/evaluate --export-tiles`, seed 4: logs 400000.., apart
# from v2's seeds 1..3 and the held-out logs 900001..). Validation on v2's
# set (data/prep-val) so the IoU compares with v2's. Progress: runs/v3.log.
# A phase whose output exists is not run again.
#
# The export goes to runs/v3-model first; v3 and v2 (and the mask as the
# ceiling) are scored in ONE services/evaluate run on the same held-out logs
# into runs/v3-eval. v3 is copied to models/curveseg/v3, with the summary in
# its card, only when its hard-tier median R² beats v2 on both classes and
# its easy-tier medians are no worse (KEEP=1 forces the copy).
#
#   bash training/train_v3.sh   # STEPS=4000 TILES=9600 THREADS=2
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

STEPS="${STEPS:-4000}"
TILES="${TILES:-9600}"
THREADS="${THREADS:-2}"
LOSS="${LOSS:-tversky:alpha=0.3,beta=0.7+0.5*focal:gamma=2}"
VERSION="${VERSION:-v3}"
INIT="${INIT:-runs/v2b/best.pt}"

. "$here/finetune.sh"
ensure_tiles prep-val 192 2
ensure_tiles prep-train3 "$TILES" 4

enter_runs train_v3.sh train_v2.sh
fine_tune "prepared tiles" data/prep-train3 4 3e-4 --val data/prep-val
best="runs/$VERSION/best.pt"
EVAL_EASY="${EVAL_EASY:-6}" EVAL_HARD="${EVAL_HARD:-12}" \
  score_and_keep "$VERSION" "$best" data/prep-val v2 0 \
  --model v2=training/models/curveseg/v2/model.onnx --model mask
