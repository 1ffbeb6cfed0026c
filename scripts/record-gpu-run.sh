#!/usr/bin/env bash
# Records a run of mlre on a real NVIDIA GPU node, as docs/hardware.md describes: the device,
# `mlre doctor` (table and JSON), and the GPU series `mlre serve` collects while the GPU is idle
# and while a load runs on it. Usage, from a checkout on the GPU node:
#
#   go build -o mlre ./cmd/mlre && sudo scripts/record-gpu-run.sh [OUTDIR]
#
# MLRE (path to the binary, default ./mlre), LOAD_S (seconds of load, default 30), and LOAD (a
# command that loads the GPU; default: a PyTorch bf16 matrix product loop when python3 has torch,
# else none) can be set. Nothing is written outside OUTDIR and a temporary directory.
set -uo pipefail
MLRE=${MLRE:-./mlre}
OUTDIR=${1:-gpu-run-$(date -u +%Y%m%dT%H%M%SZ)}
LOAD_S=${LOAD_S:-30}
PORT=${PORT:-19800}
mkdir -p "$OUTDIR"
work=$(mktemp -d)
serve_pid=
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

get() { # get URL [curl args...]: prints the body
  if command -v curl >/dev/null; then curl -fsS "$@"; else
    python3 - "$@" <<'PY'
import sys, urllib.parse, urllib.request
url, args = sys.argv[1], sys.argv[2:]
data = [a.split("=", 1) for a in args[1::2]] if args and args[0] == "--data-urlencode" else []
if data: url += "?" + urllib.parse.urlencode(data)
sys.stdout.write(urllib.request.urlopen(url, timeout=30).read().decode())
PY
  fi
}
query() { # query NAME PROMQL: writes OUTDIR/NAME.json
  get "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$2" >"$OUTDIR/$1.json" 2>&1
}
log() { echo "[$(date -u +%T)] $*" | tee -a "$OUTDIR/run.log" >&2; }

log "device"
{
  echo "date: $(date -u +%FT%TZ)"; uname -a; grep -E '^(PRETTY_NAME|VERSION)=' /etc/os-release
  echo "mlre: $("$MLRE" version 2>&1 | head -3 | tr '\n' ' ')"
  nvidia-smi; nvidia-smi -q
} >"$OUTDIR/device.txt" 2>&1

log "mlre doctor (idle)"
"$MLRE" doctor --sample 2s >"$OUTDIR/doctor.txt" 2>&1; echo "exit status $?" >>"$OUTDIR/doctor.txt"
"$MLRE" doctor --sample 2s --format json >"$OUTDIR/doctor.json" 2>"$OUTDIR/doctor-json.stderr"
echo "exit status $?" >>"$OUTDIR/doctor-json.stderr"

log "mlre serve, collectors every 5s"
cat >"$work/mlre.yaml" <<YAML
server:
  listen: 127.0.0.1:$PORT
storage:
  path: $work/data
collectors:
  interval: 5s
YAML
"$MLRE" serve --config "$work/mlre.yaml" >"$OUTDIR/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 60); do get "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.5; done
sleep 12
get "http://127.0.0.1:$PORT/metrics/gpu" >"$OUTDIR/metrics-idle.prom" 2>&1

if [ -z "${LOAD:-}" ] && python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  LOAD="python3 -c 'import time, torch
a = torch.randn(8192, 8192, device=\"cuda\", dtype=torch.bfloat16); b = torch.randn_like(a)
hold = torch.empty(10 * 2**30, dtype=torch.uint8, device=\"cuda\")  # 10 GiB held, for the memory series
end = time.time() + $LOAD_S
while time.time() < end:
    for _ in range(50): c = a @ b
    torch.cuda.synchronize()
'"
fi
if [ -n "${LOAD:-}" ]; then
  log "load for ${LOAD_S}s: $LOAD"
  load_start=$(date +%s)
  bash -c "$LOAD" >"$OUTDIR/load.log" 2>&1 &
  load_pid=$!
  sleep $((LOAD_S / 2))
  get "http://127.0.0.1:$PORT/metrics/gpu" >"$OUTDIR/metrics-load.prom" 2>&1
  "$MLRE" doctor --sample 2s >"$OUTDIR/doctor-load.txt" 2>&1; echo "exit status $?" >>"$OUTDIR/doctor-load.txt"
  wait "$load_pid"; echo "load exit status $?" >>"$OUTDIR/load.log"
  sleep 11  # two more collections after the load
else
  log "no load (set LOAD, or have python3 with torch)"
fi

log "stored series"
query up 'up{job="mlre-gpu"}'
query scrape-duration 'scrape_duration_seconds{job="mlre-gpu"}'
query samples 'scrape_samples_scraped{job="mlre-gpu"}'
query util-max 'max_over_time(DCGM_FI_DEV_GPU_UTIL[5m])'
query power-max 'max_over_time(DCGM_FI_DEV_POWER_USAGE[5m])'
query fb-used-max 'max_over_time(DCGM_FI_DEV_FB_USED[5m])'
query process-memory-max 'max_over_time(mlre_gpu_process_memory_used_bytes[5m])'
query alerts 'ALERTS'
grep -v '^#' "$OUTDIR/metrics-idle.prom" | sed 's/[{ ].*//' | sort -u >"$OUTDIR/series-names.txt"
log "done: $(wc -l <"$OUTDIR/series-names.txt") series names in $OUTDIR/series-names.txt"
