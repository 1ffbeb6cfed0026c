#!/usr/bin/env bash
# SLO rule evaluation benchmark: CPU seconds per evaluation cycle of
# `mlre serve` evaluating N SLOs versus a real Prometheus evaluating the rule
# file `mlre rules generate` prints for the same SLOs, over the same data.
#
# Data: HOURS hours of http_requests_total{job="svc-<i>",code="200|500"} for
# N services at one sample per STEP seconds, written as OpenMetrics and turned
# into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`; both
# servers start from copies of the same blocks. Each server then runs alone
# (one after the other, ROUNDS times, alternating) with evaluation_interval
# EVAL; after WARMUP seconds its CPU (utime+stime from /proc/PID/stat) is
# measured over WINDOW seconds. CPU per cycle = CPU / (WINDOW / EVAL). Also
# printed: the sum over rule groups of prometheus_rule_group_last_duration_seconds
# (wall time of one cycle's evaluations) at the end of the window.
#
# Usage: bench/run-slo-rules.sh
# Settings (environment): N=1000 HOURS=6 STEP=60 EVAL=15s WARMUP=45 WINDOW=90
#   ROUNDS=3 PROMETHEUS=/usr/bin/prometheus PROMTOOL=/usr/bin/promtool
#   MLRE_PORT=29821 PROM_PORT=29822 KEEP=1 keeps the work directory.
set -euo pipefail

N=${N:-1000}
HOURS=${HOURS:-6}
STEP=${STEP:-60}
EVAL=${EVAL:-15s}
WARMUP=${WARMUP:-45}
WINDOW=${WINDOW:-90}
ROUNDS=${ROUNDS:-3}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
MLRE_PORT=${MLRE_PORT:-29821}
PROM_PORT=${PROM_PORT:-29822}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-slobench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need curl awk python3 "$PROMETHEUS" "$PROMTOOL"
ports_free MLRE_PORT/PROM_PORT "$MLRE_PORT" "$PROM_PORT"
clk_tck=$(getconf CLK_TCK)
eval_s=${EVAL%s}

echo "== build"
go build -o "$work/mlre" ./cmd/mlre
print_env "$work/mlre" "$PROMETHEUS"
echo "== settings: N=$N hours=$HOURS step=${STEP}s eval=$EVAL warmup=${WARMUP}s window=${WINDOW}s rounds=$ROUNDS"

echo "== data and SLOs"
python3 - "$work" "$N" "$HOURS" "$STEP" <<'EOF'
import sys, time, random
work, n, hours, step = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
random.seed(1)
with open(f"{work}/slos.yml", "w") as f:
    f.write("slos:\n")
    for i in range(n):
        f.write(f"""  - name: availability
    service: svc-{i}
    objective: {random.choice([99, 99.5, 99.9, 99.95])}
    sli:
      events:
        error_query: sum(rate(http_requests_total{{job="svc-{i}",code="500"}}[{{{{.window}}}}]))
        total_query: sum(rate(http_requests_total{{job="svc-{i}"}}[{{{{.window}}}}]))
""")
end = int(time.time()) // step * step - 60
start = end - int(hours * 3600)
steps = range(start, end + 1, step)
with open(f"{work}/data.om", "w") as f:
    f.write("# TYPE http_requests counter\n")
    for i in range(n):
        err_rate = random.choice([0.0, 0.0005, 0.002, 0.02])
        ok = bad = 0.0
        lines_ok, lines_bad = [], []
        for t in steps:
            req = 100 * step
            e = req * err_rate
            ok += req - e
            bad += e
            lines_ok.append(f'http_requests_total{{job="svc-{i}",code="200"}} {ok:.0f} {t}\n')
            lines_bad.append(f'http_requests_total{{job="svc-{i}",code="500"}} {bad:.0f} {t}\n')
        f.writelines(lines_ok)
        f.writelines(lines_bad)
    f.write("# EOF\n")
EOF
"$PROMTOOL" tsdb create-blocks-from openmetrics "$work/data.om" "$work/blocks" >/dev/null
rm "$work/data.om"
echo "blocks: $(ls "$work/blocks" | wc -l), $(du -sh "$work/blocks" | cut -f1)"

cat >"$work/mlre.yaml" <<EOF
global:
  evaluation_interval: $EVAL
storage:
  retention: 30d
slo_files: [slos.yml]
EOF
"$work/mlre" rules generate --config "$work/mlre.yaml" -o "$work/slos.rules.yml"
"$PROMTOOL" check rules "$work/slos.rules.yml" | grep SUCCESS
cat >"$work/prometheus.yml" <<EOF
global:
  evaluation_interval: $EVAL
rule_files: [slos.rules.yml]
EOF

group_seconds() {
	curl -fsS "$1/metrics" | awk '/^prometheus_rule_group_last_duration_seconds\{/ {s += $2} END {printf "%.3f", s}'
}

# measure NAME: starts the server fresh on a copy of the blocks, waits,
# measures, stops it; prints "cpu_per_cycle group_seconds".
measure() {
	local name=$1 data="$work/data-$1" log="$work/$1.log" pid url
	rm -rf "$data" && cp -r "$work/blocks" "$data"
	if [[ $name == mlre ]]; then
		url="http://127.0.0.1:$MLRE_PORT"
		"$work/mlre" serve --config "$work/mlre.yaml" --listen "127.0.0.1:$MLRE_PORT" --storage.path "$data" >"$log" 2>&1 &
	else
		url="http://127.0.0.1:$PROM_PORT"
		"$PROMETHEUS" --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$PROM_PORT" \
			--storage.tsdb.path="$data" --storage.tsdb.retention.time=30d >"$log" 2>&1 &
	fi
	pid=$!
	pids+=("$pid")
	wait_ready "$url" "$pid" "$log"
	sleep "$WARMUP"
	local t0 t1
	t0=$(cpu_ticks "$pid")
	sleep "$WINDOW"
	t1=$(cpu_ticks "$pid")
	local gs
	gs=$(group_seconds "$url")
	stop_pids "$pid"
	awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v w="$WINDOW" -v e="$eval_s" -v gs="$gs" \
		'BEGIN {printf "%.4f %s\n", d / hz / (w / e), gs}'
}

m_cpu=() p_cpu=() m_gs=() p_gs=()
for r in $(seq 1 "$ROUNDS"); do
	read -r c g < <(measure mlre)
	m_cpu+=("$c") m_gs+=("$g")
	read -r c2 g2 < <(measure prometheus)
	p_cpu+=("$c2") p_gs+=("$g2")
	echo "round $r: CPU s/cycle mlre $c, prometheus $c2; rule group wall s/cycle mlre $g, prometheus $g2"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mc=$(median "${m_cpu[@]}") pc=$(median "${p_cpu[@]}")
mg=$(median "${m_gs[@]}") pg=$(median "${p_gs[@]}")
echo "== medians over $ROUNDS rounds ($N SLOs, $(grep -c 'record:\|alert:' "$work/slos.rules.yml") rules)"
echo "CPU seconds per evaluation cycle: mlre $mc, prometheus $pc, ratio mlre/prometheus $(awk -v a="$mc" -v b="$pc" 'BEGIN {printf "%.2f", a / b}')"
echo "rule group wall seconds per cycle: mlre $mg, prometheus $pg, ratio $(awk -v a="$mg" -v b="$pg" 'BEGIN {printf "%.2f", a / b}')"
