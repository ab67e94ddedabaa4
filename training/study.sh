#!/usr/bin/env bash
# The loss study (issue 4): the same network, data, schedule and seed,
# trained once per loss; each model exported to ONNX and scored through the
# real Go stages by services/evaluate on held-out easy and hard synthetic
# logs. Results go to training/runs/study/ and the tables and plot into
# docs/loss-study.md (between the study markers) and docs/img/loss-r2.png.
#
#   bash training/study.sh            # everything (about an hour on 2 idle cores)
#   STEPS=200 EVAL_EASY=2 EVAL_HARD=2 bash training/study.sh   # a quick pass
#   LOSSES="dice tversky" bash training/study.sh                # a subset
#
# A run whose summary.json exists is not trained again (FORCE=1 retrains),
# so an interrupted study resumes. Each model is scored while the next one
# trains (one scoring at a time); the reports are merged at the end.
#
# Knobs (environment): STEPS (600), WIDTH (8), THREADS (1), BATCH (8),
# CROP (128), SEED (1), TRAIN_TILES (2400), VAL_TILES (192), EVAL_EASY (6),
# EVAL_HARD (6), EVAL_HEIGHT (3000), EVAL_THREADS (1), LOSSES (all below).
# Uses /usr/bin/python3 (Debian's python3-torch), never the python3 on PATH;
# CUDA when present.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py=/usr/bin/python3
# Idle OpenMP threads sleep instead of spinning: the cores are shared.
export OMP_WAIT_POLICY=PASSIVE

STEPS="${STEPS:-600}"
WIDTH="${WIDTH:-8}"
THREADS="${THREADS:-1}"
BATCH="${BATCH:-8}"
CROP="${CROP:-128}"
SEED="${SEED:-1}"
TRAIN_TILES="${TRAIN_TILES:-2400}"
VAL_TILES="${VAL_TILES:-192}"
EVAL_EASY="${EVAL_EASY:-6}"
EVAL_HARD="${EVAL_HARD:-6}"
EVAL_HEIGHT="${EVAL_HEIGHT:-3000}"
EVAL_THREADS="${EVAL_THREADS:-1}"

# name=loss spec; only the loss changes between runs.
declare -A SPEC=(
  [dice]="dice"
  [tversky]="tversky:alpha=0.3,beta=0.7"
  [focal]="focal:gamma=2"
  [lovasz]="lovasz"
  [softce]="softce:eps=0.05,blur_px=1,weights=1/5/5"
  [combo]="tversky:alpha=0.3,beta=0.7+0.5*focal:gamma=2"
)
ALL="dice tversky focal lovasz softce combo"
LOSSES="${LOSSES:-$ALL}"

data="$here/data"
runs="$here/runs/study"
mkdir -p "$data" "$runs"

echo "== study: tiles (synth $TRAIN_TILES train seed $SEED, $VAL_TILES val seed $((SEED + 1)))"
cd "$root"
"$py" -c "import sys; sys.path.insert(0, '$here'); from pathlib import Path; \
from curveseg.data import export_tiles as e; \
e(Path('$data/study-train'), $TRAIN_TILES, $SEED); \
e(Path('$data/study-val'), $VAL_TILES, $((SEED + 1)))"
go build -o "$runs/evaluate" ./services/evaluate

eval_pid=""
# score NAME MODEL_ARGS...: wait for the previous scoring, start this one.
score() {
  local name="$1"
  shift
  if [ -n "$eval_pid" ]; then
    wait "$eval_pid" || echo "study: a scoring run failed: see $runs/eval-*.log" >&2
  fi
  echo "== study: score $name (log $runs/eval-$name.log)"
  (cd "$root" && nice "$runs/evaluate" "$@" --easy "$EVAL_EASY" --hard "$EVAL_HARD" \
    --height "$EVAL_HEIGHT" --threads "$EVAL_THREADS" --out "$runs/eval-$name" \
    > "$runs/eval-$name.log" 2>&1) &
  eval_pid=$!
}

score reference --model classical --model mask
cd "$here"
for name in $LOSSES; do
  spec="${SPEC[$name]:?unknown loss name $name: use one of ${!SPEC[*]}}"
  out="$runs/$name"
  if [ "${FORCE:-0}" = 1 ] || [ ! -f "$out/summary.json" ]; then
    echo "== study: train $name ($spec), log $out.log"
    nice "$py" -m curveseg.train --train "$data/study-train" --val "$data/study-val" \
      --loss "$spec" --steps "$STEPS" --width "$WIDTH" --batch "$BATCH" --crop "$CROP" \
      --seed "$SEED" --threads "$THREADS" --out "$out" > "$out.log" 2>&1
    tail -n 1 "$out.log"
  fi
  "$py" -m curveseg.export --ckpt "$out/best.pt" --out "$out/model" \
    --version "study-$name" --tiles "$data/study-val" > /dev/null
  score "$name" --model "$name=$out/model/model.onnx"
done
wait "$eval_pid" || echo "study: a scoring run failed: see $runs/eval-*.log" >&2

echo "== study: merge reports, write docs/loss-study.md and docs/img/loss-r2.png"
merge=()
for name in $ALL reference; do
  f="$runs/eval-$name/results.json"
  if [ -f "$f" ]; then merge+=(--merge "$f"); fi
done
cd "$root"
"$runs/evaluate" "${merge[@]}" --out "$runs/eval"
mkdir -p docs/img
cp "$runs/eval/r2.png" docs/img/loss-r2.png
"$py" "$here/splice.py" docs/loss-study.md "$runs/eval/table.md" "$runs"
echo "study: done; results in $runs/eval"
