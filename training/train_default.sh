#!/usr/bin/env bash
# Train and export the default model, training/models/curveseg/v1: the
# study's network with the combined loss (Tversky alpha 0.3 beta 0.7 plus
# half a focal term) on the study's tiles. Two phases: STEPS from random
# init (runs/v1), then FINETUNE steps warm-started from its best checkpoint
# at a lower rate (runs/v1-ft); a phase whose summary.json exists is not run
# again. Progress goes to training/runs/v1.log and v1-ft.log. The export is
# then scored by services/evaluate (EVAL_EASY 10, EVAL_HARD 20 held-out logs,
# with the classical and mask references) into runs/v1-eval, and the summary
# recorded in the card. Uses /usr/bin/python3 (Debian's python3-torch).
#
#   bash training/train_default.sh   # STEPS=1500 FINETUNE=3000 WIDTH=8 THREADS=1
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE

STEPS="${STEPS:-1500}"
FINETUNE="${FINETUNE:-3000}"
WIDTH="${WIDTH:-8}"
THREADS="${THREADS:-1}"
SEED="${SEED:-1}"
LOSS="${LOSS:-tversky:alpha=0.3,beta=0.7+0.5*focal:gamma=2}"
VERSION="${VERSION:-v1}"

cd "$root"
"$py" -c "import sys; sys.path.insert(0, '$here'); from pathlib import Path; \
from curveseg.data import export_tiles as e; \
e(Path('$here/data/study-train'), 2400, $SEED); \
e(Path('$here/data/study-val'), 192, $((SEED + 1)))"

cd "$here"
mkdir -p runs
common=(--train data/study-train --val data/study-val --loss "$LOSS" --width "$WIDTH"
  --threads "$THREADS" --seed "$SEED")
best="runs/$VERSION/best.pt"
if [ ! -f "runs/$VERSION/summary.json" ]; then
  echo "training $VERSION ($LOSS, $STEPS steps); progress in $here/runs/$VERSION.log"
  nice "$py" -m curveseg.train "${common[@]}" --steps "$STEPS" --out "runs/$VERSION" \
    > "runs/$VERSION.log" 2>&1
fi
if [ "$FINETUNE" -gt 0 ]; then
  if [ ! -f "runs/$VERSION-ft/summary.json" ]; then
    echo "fine-tuning $VERSION ($FINETUNE steps); progress in $here/runs/$VERSION-ft.log"
    nice "$py" -m curveseg.train "${common[@]}" --steps "$FINETUNE" --lr 1.5e-3 \
      --warmup 20 --init "$best" --out "runs/$VERSION-ft" > "runs/$VERSION-ft.log" 2>&1
  fi
  best="runs/$VERSION-ft/best.pt"
fi
"$py" -m curveseg.export --ckpt "$best" --out "models/curveseg/$VERSION" \
  --version "$VERSION" --tiles data/study-val

# Score it through the Go stages on held-out logs and record the summary in
# the card (metrics.pipeline).
eval_dir="runs/$VERSION-eval"
model="training/models/curveseg/$VERSION/model.onnx"
(cd "$root" && nice go run ./services/evaluate --model "$VERSION=$model" \
  --model classical --model mask --easy "${EVAL_EASY:-10}" --hard "${EVAL_HARD:-20}" \
  --height "${EVAL_HEIGHT:-3000}" --threads "$THREADS" --out "training/$eval_dir")
"$py" -m curveseg.export --ckpt "$best" --out "models/curveseg/$VERSION" \
  --version "$VERSION" --tiles data/study-val --pipeline-metrics "$eval_dir/summary.json"
