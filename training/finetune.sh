# Steps shared by the fine-tuning scripts (train_v3.sh to train_v7.sh),
# sourced by them after they set here (the training folder).
# It sets root (the repository) and py (Debian's python3 with torch).

root="$(cd "$here/.." && pwd)"
py=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE # idle OpenMP threads sleep: the cores are shared

# enter_runs SCRIPT PREVIOUS: cd to the training folder and make runs/,
# after checking that $INIT, the checkpoint fine-tuned from, exists (else
# SCRIPT says to run PREVIOUS first).
enter_runs() {
  cd "$here"
  if [ ! -f "$INIT" ]; then
    echo "$1: $INIT missing; run bash training/$2 first" >&2
    exit 1
  fi
  mkdir -p runs
}

# ensure_tiles NAME N SEED [FOCUS]: export N tiles cut from prepared images
# (`services/evaluate --export-tiles`, tile seed SEED, --tiles-focus FOCUS,
# default 0) into data/NAME unless they are there.
ensure_tiles() {
  if [ ! -f "$here/data/$1/stats.json" ]; then
    (cd "$root" && nice go run ./services/evaluate --export-tiles "$here/data/$1" \
      --tiles-n "$2" --tiles-seed "$3" --tiles-focus "${4:-0}")
  fi
}

# fine_tune WHAT TRAIN SEED LR [FLAG]...: unless runs/$VERSION/summary.json
# exists, train from $INIT on the tile sets TRAIN (DIR or DIR,DIR),
# validated on data/prep-val-1.2, $STEPS steps at lr LR (warm-up 20,
# cosine to 5%), width 8, loss $LOSS, $THREADS threads, seed SEED, into
# runs/$VERSION with progress in runs/$VERSION.log; each FLAG overrides
# one of these (curveseg.train takes the last of a repeated flag). WHAT
# names the data in the progress line.
fine_tune() {
  local what="$1" train="$2" seed="$3" lr="$4"
  shift 4
  if [ -f "runs/$VERSION/summary.json" ]; then
    return
  fi
  echo "fine-tuning $INIT on $what ($STEPS steps); progress in runs/$VERSION.log"
  nice "$py" -m curveseg.train --train "$train" --val data/prep-val-1.2 \
    --loss "$LOSS" --width 8 --threads "$THREADS" --seed "$seed" --steps "$STEPS" \
    --val-every 500 --lr "$lr" --warmup 20 --init "$INIT" --out "runs/$VERSION" "$@" \
    > "runs/$VERSION.log" 2>&1
}

# score_and_keep VERSION BEST VAL BASE TOL [--model SPEC]...: export BEST
# to runs/VERSION-model, score it, the baseline model BASE and the given
# --model specs in ONE services/evaluate run on EVAL_EASY easy and
# EVAL_HARD hard held-out logs (defaults 12 and 48, EVAL_HEIGHT px tall)
# into runs/VERSION-eval, and copy it to models/curveseg/VERSION (with the
# summary in its card) only when its hard-tier median R² beats BASE's on
# both classes and its easy-tier medians are at most TOL lower (KEEP=1
# forces the copy). VAL is the tile set of the card's parity tiles.
score_and_keep() {
  local version="$1" best="$2" val="$3" base="$4" tol="$5"
  shift 5
  local staged="runs/$version-model" eval_dir="runs/$version-eval"
  "$py" -m curveseg.export --ckpt "$best" --out "$staged" --version "$version" \
    --tiles "$val"
  (cd "$root" && nice go run ./services/evaluate \
    --model "$version=training/$staged/model.onnx" "$@" \
    --easy "${EVAL_EASY:-12}" --hard "${EVAL_HARD:-48}" --height "${EVAL_HEIGHT:-3000}" \
    --threads 1 --out "training/$eval_dir")
  local verdict
  verdict="$("$py" - "$eval_dir/summary.json" "$version" "$base" "$tol" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))  # list of rows: model, tier, class, ...
med = {(r["model"], r["tier"], r["class"]): r["median_r2"] for r in s}
new, old, tol = sys.argv[2], sys.argv[3], float(sys.argv[4])
hard = all(med[(new, "hard", c)] > med[(old, "hard", c)] for c in (1, 2))
easy = all(med[(new, "easy", c)] >= med[(old, "easy", c)] - tol for c in (1, 2))
print("keep" if hard and easy else "drop")
PY
)"
  echo "$version vs $base on the held-out logs: $verdict"
  if [ "$verdict" = keep ] || [ "${KEEP:-0}" = 1 ]; then
    "$py" -m curveseg.export --ckpt "$best" --out "models/curveseg/$version" \
      --version "$version" --tiles "$val" --pipeline-metrics "$eval_dir/summary.json"
  else
    rm -rf "models/curveseg/$version"
  fi
}
