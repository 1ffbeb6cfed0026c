#!/usr/bin/env bash
# Batch drift: `mlre drift` vs the pandas + scipy baseline (../shared/bench/py_drift_baseline.py,
# the computational core Evidently calls) on the same CSV files, alternating, ROUNDS times.
# Needs Debian's python3-numpy python3-pandas python3-scipy. Data: ROWS x (NUM + CAT) columns,
# made once by ../shared/bench/gen_drift_data.py into $DATA (about 800 MB per file at 1M rows).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000} NUM=${NUM:-40} CAT=${CAT:-10} ROUNDS=${ROUNDS:-3}
DATA=${DATA:-/tmp/mlre-drift-bench-$ROWS}
SHARED=${SHARED:-../shared/bench}
PY=${PY:-/usr/bin/python3}
if [ ! -f "$DATA/current.csv" ]; then
  echo "generating $ROWS rows x $((NUM + CAT)) columns into $DATA" >&2
  "$PY" "$SHARED/gen_drift_data.py" "$ROWS" "$NUM" "$CAT" "$DATA" --shift
fi
bin=$(mktemp -d)/mlre
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/mlre
measure() { # prints "wall_s max_rss_mib"
  /usr/bin/time -f '%e %M' -o "$bin.time" "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
  awk '{printf "%.2f %.0f\n", $1, $2/1024}' "$bin.time"
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%FT%TZ); rows $ROWS, columns $NUM numerical + $CAT categorical"
printf '%-6s %12s %12s %12s %12s\n' round mlre_s mlre_MiB python_s python_MiB
m_s=() m_m=() p_s=() p_m=()
for r in $(seq "$ROUNDS"); do
  read -r ms mm < <(measure "$bin" drift --reference "$DATA/reference.csv" --current "$DATA/current.csv")
  read -r ps pm < <(measure "$PY" "$SHARED/py_drift_baseline.py" "$DATA/reference.csv" "$DATA/current.csv")
  printf '%-6s %12s %12s %12s %12s\n' "$r" "$ms" "$mm" "$ps" "$pm"
  m_s+=("$ms") m_m+=("$mm") p_s+=("$ps") p_m+=("$pm")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms=$(median "${m_s[@]}") mm=$(median "${m_m[@]}") ps=$(median "${p_s[@]}") pm=$(median "${p_m[@]}")
echo "median: mlre ${ms}s ${mm} MiB; python ${ps}s ${pm} MiB"
awk -v a="$ps" -v b="$ms" -v c="$mm" -v d="$pm" 'BEGIN {printf "speed-up (python/mlre wall): %.2fx; memory (mlre/python peak RSS): %.2fx\n", a/b, c/d}'
