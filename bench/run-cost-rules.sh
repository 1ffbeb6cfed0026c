#!/usr/bin/env bash
# Cost rule evaluation benchmark (issue 7): CPU seconds per evaluation cycle of
# `mlre serve` evaluating the cost rules for GPUS GPUs and TEAMS team budgets,
# versus a real Prometheus evaluating the rule file `mlre rules generate`
# prints for the same config, over the same data.
#
# Fleet (bench/costgen.py, deterministic): GPUS GPUs on nodes of 8, each node
# one model (40% "NVIDIA H100 80GB HBM3", 35% "NVIDIA A100-SXM4-80GB", 20%
# "NVIDIA L4", priced from the built-in catalog, and 5% "NVIDIA RTX 6000 Ada
# Generation", which the catalog lacks), 20% of nodes capacity_type="spot"
# (a 60% discount in the config). GPUs go to pods of 1 to 8; a pod carries
# team, project, namespace, pod and, 40% of them, training_job, or (10%) no
# owner. One budget per team (scope {team="team-<k>"}), calendar month for
# even k, rolling 30d or 7d for odd k, sized at 0.8-1.3x of what the team
# spends. The config disables the built-in health rules and the in-process
# collectors, so the servers evaluate the cost group alone.
#
# Data (OpenMetrics -> `promtool tsdb create-blocks-from openmetrics`, 2h
# blocks -> the server's data directory): unless HISTORY=0, what a server
# that had evaluated the cost rules every EVAL for HISTORY hours would have
# recorded of the series the rules read back over ranges: each budget's
# mlre_cost:budget_dollars_per_hour (burn rates look back up to 3 days,
# forecasts 1 day), written once; then, fresh before each server start, since
# the rules read the GPU series as instant vectors (5-minute lookback), HOURS
# of DCGM_FI_DEV_GPU_UTIL (dcgm-exporter's labels) at one sample per STEP
# seconds, the budgets' spend rates since the history ended, and the last hour
# of the accumulators (read by last_over_time(...[1h])). HISTORY=0 measures a
# server whose recorded series start when it starts.
#
# Each server runs alone, ROUNDS times, alternating which goes first, with
# evaluation_interval and the cost group's interval EVAL. Both compact blocks
# about 60 s after start, so WARMUP is longer than that; then CPU
# (utime+stime from /proc/PID/stat) is measured over WINDOW seconds. CPU per
# cycle = CPU / (WINDOW / EVAL - cycles missed in the window). Also per
# round: the cost group's prometheus_rule_group_last_duration_seconds at the
# end of the window; the load (other_cores: CPU used meanwhile by anything
# but the server; load1); the TSDB blocks loaded (Prometheus compacts the 2h
# blocks into longer ones, mlre, which opens its TSDB with
# tsdb.DefaultOptions, keeps them at 2h); and each rule's evaluationTime from
# /api/v1/rules, summed by kind of rule.
# The run fails unless, on both servers, no evaluation failed, no compaction
# ran in the window, and the recorded prices, burn rates and spend match the
# fleet.
#
# Usage: bench/run-cost-rules.sh
# Settings (environment): GPUS=1000 TEAMS=50 HOURS=2 STEP=60 HISTORY=72
#   EVAL=15s WARMUP=75 WINDOW=60 ROUNDS=3 PROMETHEUS=/usr/bin/prometheus
#   PROMTOOL=/usr/bin/promtool PROM_FLAGS= (extra Prometheus flags, e.g.
#   --storage.tsdb.max-block-duration=2h to keep its blocks at 2h as mlre's)
#   MLRE_PORT=29831 PROM_PORT=29832 KEEP=1 keeps the work directory.
# About 15 minutes with the defaults.
set -euo pipefail

GPUS=${GPUS:-1000}
TEAMS=${TEAMS:-50}
HOURS=${HOURS:-2}
STEP=${STEP:-60}
HISTORY=${HISTORY:-72}
EVAL=${EVAL:-15s}
WARMUP=${WARMUP:-75}
WINDOW=${WINDOW:-60}
ROUNDS=${ROUNDS:-3}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
PROM_FLAGS=${PROM_FLAGS:-}
MLRE_PORT=${MLRE_PORT:-29831}
PROM_PORT=${PROM_PORT:-29832}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-costbench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need curl awk python3 "$PROMETHEUS" "$PROMTOOL"
ports_free MLRE_PORT/PROM_PORT "$MLRE_PORT" "$PROM_PORT"
clk_tck=$(getconf CLK_TCK)
eval_s=${EVAL%s}
[[ $eval_s =~ ^[0-9]+$ && $eval_s -ge 10 ]] || { echo "EVAL=$EVAL: use whole seconds, at least 10s (the cost interval's minimum)" >&2; exit 1; }
# The GPU samples end when the data is written; past 5 minutes the rules
# would no longer see them.
((WARMUP + WINDOW <= 240)) || { echo "WARMUP + WINDOW must be at most 240 s (the GPU series go stale after 5 minutes)" >&2; exit 1; }

echo "== build"
go build -o "$work/mlre" ./cmd/mlre
print_env "$work/mlre" "$PROMETHEUS"
echo "== settings: GPUS=$GPUS TEAMS=$TEAMS hours=$HOURS step=${STEP}s history=${HISTORY}h eval=$EVAL warmup=${WARMUP}s window=${WINDOW}s rounds=$ROUNDS${PROM_FLAGS:+ prometheus flags: $PROM_FLAGS}"

echo "== fleet, config and rules"
python3 bench/costgen.py fleet "$work" "$GPUS" "$TEAMS" "$eval_s"
# Twice: the first file gives the catalog's prices, which size the budgets.
"$work/mlre" rules generate --config "$work/mlre.yaml" -o "$work/rules.yml" 2>/dev/null
python3 bench/costgen.py expect "$work"
"$work/mlre" rules generate --config "$work/mlre.yaml" -o "$work/rules.yml" 2>/dev/null
"$PROMTOOL" check rules "$work/rules.yml" | grep SUCCESS
since=0
if [[ $HISTORY != 0 ]]; then
	since=$(date +%s)
	echo "== ${HISTORY}h of the budgets' spend rates (promtool takes a while)"
	python3 bench/costgen.py history "$work" "$since" "$HISTORY" "$eval_s"
	run_fg "$PROMTOOL" tsdb create-blocks-from openmetrics -q "$work/history.om" "$work/history" >/dev/null
	rm "$work/history.om"
	echo "history blocks: $(ls "$work/history" | wc -l), $(du -sh "$work/history" | cut -f1)"
fi
cat >"$work/prometheus.yml" <<EOF
global:
  evaluation_interval: $EVAL
rule_files: [rules.yml]
EOF
ejson() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/expect.json" "$1"; }
priced=$(ejson priced) unpriced=$(ejson unpriced)
exp_alloc=$(ejson allocated) exp_unalloc=$(ejson unallocated)
groups=$(grep -c '^  - name:' "$work/rules.yml")
n_rec=$(grep -c '^      - record:' "$work/rules.yml")
n_alert=$(grep -c '^      - alert:' "$work/rules.yml")
echo "GPUs: $GPUS ($priced priced, $unpriced unpriced), teams with priced GPUs: $(ejson teams_with_gpus), allocated \$$exp_alloc/h, unallocated \$$exp_unalloc/h"
echo "rules: $((n_rec + n_alert)) in $groups group(s): $n_rec recording, $n_alert alerting"
((groups == 1)) || { echo "expected the cost group alone in the rule file" >&2; exit 1; }

# metric_sum URL REGEX: the sum of the /metrics samples whose name and
# labels match REGEX (anchored at the line start).
metric_sum() {
	curl -fsS "$1/metrics" | awk -v re="^$2" '$0 ~ re {s += $NF} END {printf "%.6f", s}'
}
# check NAME WHAT GOT WANT [TOLERANCE]: fails the run (at its end) unless
# |GOT-WANT| <= TOLERANCE.
fail=0
check() {
	if ! awk -v g="$3" -v w="$4" -v t="${5:-0}" 'BEGIN {d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= t)}'; then
		echo "CHECK FAILED on $1: $2 is '$3', want $4${5:+ ± $5}" >&2
		fail=1
	fi
}
# busy_ticks: busy clock ticks of all CPUs (steal included), from /proc/stat.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# measure NAME ROUND: writes fresh blocks into the server's data directory,
# starts it, waits, measures, checks, stops it; sets res (cpu_per_cycle
# group_seconds other_cores load1).
measure() {
	local name=$1 round=$2 data="$work/data-$1" log="$work/$1.log" pid url
	rm -rf "$data"
	if [[ $HISTORY != 0 ]]; then cp -r "$work/history" "$data"; else mkdir "$data"; fi
	python3 bench/costgen.py fresh "$work" "$(date +%s)" "$HOURS" "$STEP" "$since" "$eval_s"
	"$PROMTOOL" tsdb create-blocks-from openmetrics -q "$work/fresh.om" "$data" >/dev/null
	rm "$work/fresh.om"
	if [[ $name == mlre ]]; then
		url="http://127.0.0.1:$MLRE_PORT"
		"$work/mlre" serve --config "$work/mlre.yaml" --listen "127.0.0.1:$MLRE_PORT" --storage.path "$data" >"$log" 2>&1 &
	else
		url="http://127.0.0.1:$PROM_PORT"
		# shellcheck disable=SC2086 # PROM_FLAGS is a list of flags
		"$PROMETHEUS" --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$PROM_PORT" \
			--storage.tsdb.path="$data" --storage.tsdb.retention.time=30d $PROM_FLAGS >"$log" 2>&1 &
	fi
	pid=$!
	pids+=("$pid")
	wait_ready "$url" "$pid" "$log"
	run_fg sleep "$WARMUP"
	local comp0 miss0 t0 t1 b0 b1 comp1 miss1
	comp0=$(metric_sum "$url" 'prometheus_tsdb_compactions_total')
	miss0=$(metric_sum "$url" 'prometheus_rule_group_iterations_missed_total')
	t0=$(cpu_ticks "$pid") b0=$(busy_ticks)
	run_fg sleep "$WINDOW"
	t1=$(cpu_ticks "$pid") b1=$(busy_ticks)
	local load1 gs blocks
	load1=$(cut -d' ' -f1 /proc/loadavg)
	gs=$(metric_sum "$url" 'prometheus_rule_group_last_duration_seconds[{][^}]*mlre-cost')
	comp1=$(metric_sum "$url" 'prometheus_tsdb_compactions_total')
	miss1=$(metric_sum "$url" 'prometheus_rule_group_iterations_missed_total')
	blocks=$(metric_sum "$url" 'prometheus_tsdb_blocks_loaded')
	curl -fsS "$url/api/v1/rules" >"$work/rules-$name-$round.json"
	check "$name" "compactions in the window" "$(awk -v a="$comp1" -v b="$comp0" 'BEGIN {print a - b}')" 0
	check "$name" "rule evaluation failures" "$(metric_sum "$url" 'prometheus_rule_evaluation_failures_total')" 0
	check "$name" "count(mlre_cost:gpu_price_dollars_per_hour)" "$(qval "$url" 'count(mlre_cost:gpu_price_dollars_per_hour)')" "$priced"
	check "$name" "mlre_cost:gpus_unpriced" "$(qval "$url" 'mlre_cost:gpus_unpriced')" "$unpriced"
	check "$name" "count(mlre_cost:budget_burn_rate)" "$(qval "$url" 'count(mlre_cost:budget_burn_rate)')" "$((TEAMS * 6))"
	check "$name" "count(mlre_cost:budget_forecast_dollars)" "$(qval "$url" 'count(mlre_cost:budget_forecast_dollars)')" "$((TEAMS * 3))"
	check "$name" "allocated spend \$/h" "$(qval "$url" 'sum(mlre_cost:gpu_dollars_per_hour{kind="allocated"})')" "$exp_alloc" 0.001
	check "$name" "unallocated spend \$/h" "$(qval "$url" 'sum(mlre_cost:gpu_dollars_per_hour{kind="unallocated"})')" "$exp_unalloc" 0.001
	check "$name" "sum of the budgets' spend rates \$/h" "$(qval "$url" 'sum(mlre_cost:budget_dollars_per_hour)')" "$exp_alloc" 0.001
	if [[ $HISTORY != 0 ]]; then
		# The 3d burn rate reads the history, with no gap: one sample per EVAL.
		local span=$(($(date +%s) - since + HISTORY * 3600))
		((span < 259200)) || span=259200
		check "$name" "samples of one budget's spend rate in 3d" \
			"$(qval "$url" 'count_over_time(mlre_cost:budget_dollars_per_hour{budget="team-1"}[3d])')" "$((span / eval_s))" 3
	fi
	stop_pids "$pid"
	# A cycle that overruns the interval makes the next one missed: CPU per
	# cycle divides by the cycles that ran.
	local missed
	missed=$(awk -v a="$miss1" -v b="$miss0" 'BEGIN {print a - b}')
	[[ $missed == 0 ]] || echo "$name: $missed of $((WINDOW / eval_s)) cycles missed in the window (the machine is busy); CPU per cycle counts the others" >&2
	read -r -a res < <(awk -v d=$((t1 - t0)) -v b=$((b1 - b0)) -v hz="$clk_tck" -v w="$WINDOW" -v e="$eval_s" -v gs="$gs" -v l="$load1" -v m="$missed" -v bl="$blocks" \
		'BEGIN {printf "%.4f %.4f %.2f %s %d %d\n", d / hz / (w / e - m), gs, (b - d) / hz / w, l, m, bl}')
}

m_cpu=() p_cpu=() m_gs=() p_gs=()
for r in $(seq 1 "$ROUNDS"); do
	order=(mlre prometheus)
	((r % 2 == 0)) && order=(prometheus mlre)
	for s in "${order[@]}"; do
		measure "$s" "$r"
		read -r c g o l m b <<<"${res[*]}"
		if [[ $s == mlre ]]; then
			m_cpu+=("$c") m_gs+=("$g") mo=$o ml=$l mm=$m mb=$b
		else
			p_cpu+=("$c") p_gs+=("$g") po=$o pl=$l pm=$m pb=$b
		fi
	done
	echo "round $r (${order[0]} first): CPU s/cycle mlre ${m_cpu[-1]}, prometheus ${p_cpu[-1]}; cost group wall s/cycle mlre ${m_gs[-1]}, prometheus ${p_gs[-1]}; other_cores mlre $mo, prometheus $po; load1 mlre $ml, prometheus $pl; missed cycles mlre $mm, prometheus $pm; blocks mlre $mb, prometheus $pb"
done
((fail == 0)) || { echo "checks failed; see above (KEEP=1 keeps the logs)" >&2; exit 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mc=$(median "${m_cpu[@]}") pc=$(median "${p_cpu[@]}")
mg=$(median "${m_gs[@]}") pg=$(median "${p_gs[@]}")
echo "== medians over $ROUNDS rounds ($GPUS GPUs, $TEAMS budgets, $((n_rec + n_alert)) rules)"
echo "CPU seconds per evaluation cycle: mlre $mc, prometheus $pc, ratio mlre/prometheus $(awk -v a="$mc" -v b="$pc" 'BEGIN {printf "%.2f", a / b}')"
echo "cost group wall seconds per cycle: mlre $mg, prometheus $pg, ratio $(awk -v a="$mg" -v b="$pg" 'BEGIN {printf "%.2f", a / b}')"
echo "== where a cycle goes: rule evaluationTime (ms) from /api/v1/rules at the end of each window, summed by kind of rule, median over rounds"
python3 - "$work" "$ROUNDS" <<'EOF'
import glob, json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def kinds(path):
    out = {}
    for g in json.load(open(path))["data"]["groups"]:
        for r in g["rules"]:
            ls = r.get("labels", {})
            k = r["name"]
            if r["type"] == "alerting":
                k += " (" + ls.get("severity", "") + ")"
            else:
                for l in ("window", "kind", "bound", "resource"):
                    if l in ls:
                        k += "{" + l + "=" + ls[l] + "}"
            n, s = out.get(k, (0, 0.0))
            out[k] = (n + 1, s + r["evaluationTime"] * 1000)
    return out
med = {}
for srv in ("mlre", "prometheus"):
    per = [kinds(f"{work}/rules-{srv}-{r}.json") for r in range(1, rounds + 1)]
    med[srv] = {k: (per[0][k][0], statistics.median(p[k][1] for p in per)) for k in per[0]}
total = {s: sum(v[1] for v in med[s].values()) for s in med}
print(f"{'kind of rule':<62} {'rules':>5} {'mlre ms':>8} {'share':>6} {'prom ms':>8} {'share':>6}")
for k, (n, ms) in sorted(med["mlre"].items(), key=lambda kv: -kv[1][1]):
    p = med["prometheus"].get(k, (0, 0.0))[1]
    print(f"{k:<62} {n:>5} {ms:>8.1f} {100 * ms / total['mlre']:>5.1f}% {p:>8.1f} {100 * p / total['prometheus']:>5.1f}%")
print(f"{'total':<62} {sum(v[0] for v in med['mlre'].values()):>5} {total['mlre']:>8.1f} {'':>6} {total['prometheus']:>8.1f}")
EOF
