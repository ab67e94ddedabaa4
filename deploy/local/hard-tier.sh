#!/usr/bin/env bash
# The hard tier through the whole pipeline: N synthetic hard-tier archives
# (pkg/synth, held-out seeds SEED.., each with its manifest and truth LAS)
# go through a local stack (embedded NATS + versitygw) and every stage with
# the default model, depth calibrated from the manifest's tie points where
# the archive has them (about half of the hard tier) and otherwise from the
# scan itself (grid and depth labels), and QA scores each LAS
# against its truth. The batch summary pools every curve's R² and MAE per
# class and says whether the project's target is met.
#
#   deploy/local/hard-tier.sh            # N=48 SEED=900001 HEIGHT=6000
#   N=4 deploy/local/hard-tier.sh        # a quick look
#
# The generator draws its curves from real wells' LAS files when
# ../shared/realdata/las is beside the repo, otherwise from its catalogue
# of signals: the same seeds then make other logs (the script says which).
#
# Writes the archives to .stack/hard-tier/inputs (the generator's masks
# beside them in masks/) and the results, with
# summary.md and summary.json, to OUT (default out/hard-tier). Extra
# arguments go to `digitise demo` (e.g. --segmenter classical).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
case "${1:-}" in
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
    ;;
esac
n="${N:-48}"
seed="${SEED:-900001}"
height="${HEIGHT:-6000}"
out="${OUT:-$repo/out/hard-tier}"
# Whole numbers only, checked before anything is generated or removed
# (bash arithmetic would evaluate anything else).
for v in "N=$n" "SEED=$seed" "HEIGHT=$height"; do
  if ! [[ "${v#*=}" =~ ^[0-9]{1,12}$ ]]; then
    echo "hard-tier.sh: ${v%%=*} must be a whole number (got '${v#*=}')" >&2
    exit 2
  fi
done
if ((n < 1 || height < 1)); then
  echo "hard-tier.sh: N and HEIGHT must be at least 1 (got N=$n HEIGHT=$height)" >&2
  exit 2
fi
case "$out" in
  /*) ;;
  *) out="$PWD/$out" ;; # relative to where the script was called from
esac
cd "$repo"
state=.stack/hard-tier

bash deploy/local/setup.sh
export VERSITYGW="$repo/.cache/bin/versitygw"
mkdir -p .cache/bin
go build -o .cache/bin/synth ./services/synth
go build -o .cache/bin/digitise ./services/digitise

inputs="$state/inputs"
masks="$state/masks" # the generator's class masks, for review; not submitted
rm -rf "$inputs" "$masks" && mkdir -p "$inputs" "$masks"
echo "generating $n hard-tier archives (seeds $seed..$((seed + n - 1)), ${height} px tall)"
if [ -d "$repo/../shared/realdata/las" ]; then
  echo "curves: real wells' LAS files from ../shared/realdata/las"
else
  echo "curves: the generator's catalogue signals (../shared/realdata/las is absent): the" \
    "logs, and so the figures, differ from runs made with it (see docs/loss-study.md)"
fi
for ((i = 0; i < n; i++)); do
  s=$((seed + i))
  .cache/bin/synth log --tier hard --seed "$s" --height "$height" \
    --out "$masks/hard-$s.tar.gz" >/dev/null
  mv "$masks/hard-$s.tar.gz" "$inputs/"
done
exec .cache/bin/digitise demo --no-real --inputs "$inputs" -o "$out" \
  --state-dir "$state" --timeout 2h "$@"
