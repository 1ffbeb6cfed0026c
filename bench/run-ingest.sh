#!/usr/bin/env bash
# Streaming model-monitoring ingest (issue 4): predictions/s that `mlre serve`
# accepts over HTTP, 20 features each, and whether its memory stays flat.
#
# Builds mlre and bench/ingestbench, measures ingestbench alone against a
# trivial sink (the client's ceiling), then starts `mlre serve` on a loopback
# port with a fresh data directory and one model (16 numerical and 4
# categorical features, probability output, a 5,000-row reference drawn from
# the stream's own distributions, window 1h, interval 1m) and:
#   1. runs ROUNDS runs of DURATION each and prints, per run and as medians,
#      rows/s, latency, the server's CPU cores and CPU seconds per million
#      rows, the client's cores, and other_cores (noise from anything else);
#   2. unless LONG_DURATION=0, one long run, sampling every SAMPLE_EVERY
#      seconds the server's VmRSS, the size of <data>/models/wal and its
#      segments, and printing min/max/last RSS, the slope of the last half,
#      and rows/s per SLICE;
#   3. with PERF=1, a CPU profile of the server (perf record, PERF_SECONDS)
#      while ingestbench runs, as mlre serves no /debug/pprof;
#   4. checks that mlre counted exactly the rows ingestbench saw accepted,
#      through GET /api/v1/models (predictions_total) and, after COLLECT_WAIT
#      seconds, through /api/v1/query (sum(mlre_model_predictions_total)).
#
# Usage: bench/run-ingest.sh          # about 15 minutes with the defaults
# Settings (environment):
#   ROUNDS=3 DURATION=60s WARMUP=5s LONG_DURATION=600s (0 skips) SAMPLE_EVERY=10
#   SLICE=60s ROWS_PER_REQUEST=1000 CONCURRENCY=4 FEATURES=20 REFERENCE_ROWS=5000
#   PRECISION=4 (decimals of the numerical features; -1: full float64, 16-17 digits)
#   SINK_DURATION=10s (0 skips) COLLECT_WAIT=20 PERF=0 PERF_SECONDS=30
#   MLRE_PORT=29811 SINK_PORT=29812; KEEP=1 keeps the work directory.
# Default ports sit below Linux's ephemeral range (32768-60999).
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-5s}
LONG_DURATION=${LONG_DURATION:-600s}
SAMPLE_EVERY=${SAMPLE_EVERY:-10}
SLICE=${SLICE:-60s}
ROWS_PER_REQUEST=${ROWS_PER_REQUEST:-1000}
CONCURRENCY=${CONCURRENCY:-4}
FEATURES=${FEATURES:-20}
PRECISION=${PRECISION:-4}
REFERENCE_ROWS=${REFERENCE_ROWS:-5000}
SINK_DURATION=${SINK_DURATION:-10s}
COLLECT_WAIT=${COLLECT_WAIT:-20}
PERF=${PERF:-0}
PERF_SECONDS=${PERF_SECONDS:-30}
MLRE_PORT=${MLRE_PORT:-29811}
SINK_PORT=${SINK_PORT:-29812}
MODEL=bench

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-ingestbench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need curl awk sed
((PERF)) && need perf
ports_free MLRE_PORT/SINK_PORT "$MLRE_PORT" "$SINK_PORT"

# jnum KEY FILE: a number from ingestbench's flat JSON report.
jnum() { sed -n "s/^ *\"$1\": \([-0-9.e+]*\),\{0,1\}$/\1/p" "$2" | head -n1; }
# jlist KEY FILE: the numbers of a JSON array in the report, one a line.
jlist() { sed -n "/^ *\"$1\": \[/,/\]/p" "$2" | sed -n 's/^ *\([-0-9.e+]*\),\{0,1\}$/\1/p'; }
# host_ticks_steal: "busy total steal" clock ticks of all CPUs, from
# /proc/stat (busy includes steal: time the hypervisor ran something else).
host_ticks_steal() { awk '/^cpu / {t = $2+$3+$4+$5+$6+$7+$8+$9; print t - $5 - $6, t, $9; exit}' /proc/stat; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# dir_bytes DIR: the total size of the files in DIR (0 when absent).
dir_bytes() { find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)

echo "== build"
go build -o "$work/mlre" ./cmd/mlre
go build -o "$work/ingestbench" ./bench/ingestbench

rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git status --porcelain -- cmd internal go.mod go.sum 2>/dev/null) ]] && rev="$rev+uncommitted changes"
echo "== machine: $ncpu CPUs, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "== date: $(date -u)"
echo "== mlre: $("$work/mlre" version | head -n1), source $rev; $(go version)"
echo "== settings: features=$FEATURES precision=$PRECISION rows_per_request=$ROWS_PER_REQUEST concurrency=$CONCURRENCY duration=$DURATION warmup=$WARMUP rounds=$ROUNDS long_duration=$LONG_DURATION"

gen_flags=(--model "$MODEL" --features "$FEATURES" --precision "$PRECISION" --rows-per-request "$ROWS_PER_REQUEST" --concurrency "$CONCURRENCY")

if [[ $SINK_DURATION != 0 ]]; then
	"$work/ingestbench" --sink "127.0.0.1:$SINK_PORT" >"$work/sink.out" 2>&1 &
	pids+=("$!")
	run_fg sleep 1
	run_fg "$work/ingestbench" --url "http://127.0.0.1:$SINK_PORT" "${gen_flags[@]}" --warmup 2s --duration "$SINK_DURATION" >"$work/sink.json"
	stop_pids "${pids[@]}"
	printf '== client only (trivial sink, %s): %s rows/s, %s MB/s of NDJSON, client %s cores, %s CPU s per million rows\n' \
		"$SINK_DURATION" "$(jnum rows_per_sec "$work/sink.json")" "$(jnum body_mb_per_sec "$work/sink.json")" \
		"$(jnum client_cores "$work/sink.json")" "$(jnum client_cpu_s_per_million_rows "$work/sink.json")"
fi

features_yaml=$("$work/ingestbench" --features "$FEATURES" --write-reference "$work/ref.csv" --reference-rows "$REFERENCE_ROWS")
cat >"$work/mlre.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: 15s
models:
  - name: $MODEL
    features:
$features_yaml
    prediction: {type: probability}
    reference: {file: ref.csv}
    window: 1h
    interval: 1m
EOF
data="$work/mlre-data"
"$work/mlre" serve --config "$work/mlre.yml" --listen "127.0.0.1:$MLRE_PORT" --storage.path "$data" >"$work/mlre.log" 2>&1 &
mlre_pid=$!
pids+=("$mlre_pid")
base="http://127.0.0.1:$MLRE_PORT"
wait_ready "$base" "$mlre_pid" "$work/mlre.log"
echo "== mlre serve: pid $mlre_pid, RSS $(($(rss_kib "$mlre_pid") / 1024)) MiB before ingest"

total=0 # rows ingestbench saw accepted, warm-ups included
dups=0
# account FILE: adds a report's accepted rows and duplicates to the totals.
account() {
	local a w d
	a=$(jnum rows_accepted "$1") w=$(jnum warmup_rows_accepted "$1") d=$(jnum duplicates "$1")
	total=$((total + ${a:-0} + ${w:-0}))
	dups=$((dups + ${d:-0}))
}

# cores: server CPU over the whole run (warm-up included); cpu_s/Mrows: the
# same per million rows accepted in it; client_cores: ingestbench's own CPU;
# other_cores: anything but the two (noise from the machine's other tenants);
# steal: CPU the hypervisor withheld from this VM.
printf '\n%-6s %10s %8s %8s %7s %6s %6s %12s %12s %12s %6s %8s %8s\n' \
	round rows/s p50_ms p99_ms errors dups cores cpu_s/Mrows client_cores other_cores steal rss_MiB wal_MiB
: >"$work/rounds.tsv"
for r in $(seq 1 "$ROUNDS"); do
	out="$work/round$r.json"
	t0=$(date +%s.%N)
	c0=$(cpu_ticks "$mlre_pid")
	read -r hb0 ht0 st0 < <(host_ticks_steal)
	run_fg "$work/ingestbench" --url "$base" "${gen_flags[@]}" --warmup "$WARMUP" --duration "$DURATION" >"$out" || true
	c1=$(cpu_ticks "$mlre_pid")
	read -r hb1 ht1 st1 < <(host_ticks_steal)
	t1=$(date +%s.%N)
	account "$out"
	a1=$(jnum rows_accepted "$out") a2=$(jnum warmup_rows_accepted "$out")
	acc=$((${a1:-0} + ${a2:-0}))
	rate=$(jnum rows_per_sec "$out")
	rate=${rate:-0}
	cores=$(awk -v c="$((c1 - c0))" -v k="$clk_tck" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", c/k/(b-a)}')
	cpum=$(awk -v c="$((c1 - c0))" -v k="$clk_tck" -v n="$acc" 'BEGIN {printf "%.2f", (n ? c/k/n*1e6 : 0)}')
	other=$(awk -v hb="$((hb1 - hb0 - st1 + st0))" -v ht="$((ht1 - ht0))" -v c="$((c1 - c0))" -v k="$clk_tck" \
		-v cl="$(jnum client_cpu_s "$out")" -v n="$ncpu" -v a="$t0" -v b="$t1" \
		'BEGIN {o = (ht ? hb/ht*n : 0) - (c/k + cl)/(b-a); printf "%.2f", (o < 0 ? 0 : o)}')
	steal=$(awk -v s="$((st1 - st0))" -v ht="$((ht1 - ht0))" -v n="$ncpu" 'BEGIN {printf "%.2f", (ht ? s/ht*n : 0)}')
	printf '%-6s %10s %8s %8s %7s %6s %6s %12s %12s %12s %6s %8s %8.1f\n' "$r" "$rate" \
		"$(jnum p50_ms "$out")" "$(jnum p99_ms "$out")" "$(jnum errors "$out")" "$(jnum duplicates "$out")" \
		"$cores" "$cpum" "$(jnum client_cores "$out")" "$other" "$steal" "$(($(rss_kib "$mlre_pid") / 1024))" \
		"$(awk -v b="$(dir_bytes "$data/models/wal")" 'BEGIN {print b/1048576}')"
	grep -q '"first_error"' "$out" && echo "       first error: $(sed -n 's/^ *"first_error": //p' "$out")"
	printf '%s\t%s\t%s\n' "$rate" "$cores" "$cpum" >>"$work/rounds.tsv"
done
med_rate=$(cut -f1 "$work/rounds.tsv" | median)
echo
echo "median of $ROUNDS: $med_rate rows/s; server $(cut -f2 "$work/rounds.tsv" | median) cores, $(cut -f3 "$work/rounds.tsv" | median) CPU s per million rows"

if [[ $LONG_DURATION != 0 ]]; then
	echo
	echo "== long run: $LONG_DURATION, sampling every ${SAMPLE_EVERY}s"
	echo "   (since the last sample: cores = the server's CPU, other = every other process's, steal = CPU the hypervisor"
	echo "   withheld from this VM; cpu_psi = /proc/pressure/cpu some avg10, % of time a task waited for a CPU)"
	out="$work/long.json"
	"$work/ingestbench" --url "$base" "${gen_flags[@]}" --warmup 0s --duration "$LONG_DURATION" --slice "$SLICE" >"$out" &
	gen_pid=$!
	pids+=("$gen_pid")
	printf '%6s %8s %6s %6s %6s %8s %9s %5s\n' t_s rss_MiB cores other steal cpu_psi wal_MiB segs
	: >"$work/rss.tsv"
	start=$(date +%s.%N)
	i=0
	clong0=$(cpu_ticks "$mlre_pid")
	cprev=$clong0
	read -r hbprev htprev stprev < <(host_ticks_steal)
	tprev=$start
	while kill -0 "$gen_pid" 2>/dev/null; do
		i=$((i + 1))
		pause=$(awk -v s="$start" -v i="$i" -v e="$SAMPLE_EVERY" -v now="$(date +%s.%N)" 'BEGIN {p = s + i*e - now; print (p > 0 ? p : 0)}')
		run_fg sleep "$pause"
		kill -0 "$gen_pid" 2>/dev/null || break
		now=$(date +%s.%N)
		c=$(cpu_ticks "$mlre_pid")
		read -r hb ht st < <(host_ticks_steal)
		rss=$(rss_kib "$mlre_pid")
		wal=$(dir_bytes "$data/models/wal")
		segs=$(find "$data/models/wal" -maxdepth 1 -type f -name '[0-9]*' 2>/dev/null | wc -l)
		psi=$(sed -n 's/^some avg10=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || true)
		awk -v t="$now" -v s="$start" -v r="$rss" -v c="$((c - cprev))" -v k="$clk_tck" -v tp="$tprev" \
			-v hb="$((hb - hbprev))" -v ht="$((ht - htprev))" -v st="$((st - stprev))" -v n="$ncpu" -v psi="${psi:--}" \
			-v w="$wal" -v g="$segs" 'BEGIN {
				o = (ht ? (hb - st)/ht*n : 0) - c/k/(t-tp)
				printf "%6.0f %8.1f %6.2f %6.2f %6.2f %8s %9.1f %5d\n", t-s, r/1024, c/k/(t-tp), (o < 0 ? 0 : o), (ht ? st/ht*n : 0), psi, w/1048576, g
			}' | tee -a "$work/rss.tsv"
		cprev=$c hbprev=$hb htprev=$ht stprev=$st
		tprev=$now
	done
	wait "$gen_pid" || true
	clong1=$(cpu_ticks "$mlre_pid")
	tlong1=$(date +%s.%N)
	stop_pids "$gen_pid"
	account "$out"
	awk '{t[NR] = $1; r[NR] = $2}
	END {
		if (NR == 0) exit
		mn = r[1]; mx = r[1]
		for (i = 1; i <= NR; i++) { if (r[i] < mn) mn = r[i]; if (r[i] > mx) mx = r[i] }
		h = int(NR/2) + 1; n = 0; sx = sy = sxx = sxy = 0
		for (i = h; i <= NR; i++) { n++; sx += t[i]; sy += r[i]; sxx += t[i]*t[i]; sxy += t[i]*r[i] }
		slope = (n > 1 && n*sxx - sx*sx != 0) ? (n*sxy - sx*sy)/(n*sxx - sx*sx) : 0
		printf "RSS MiB: min %.1f, max %.1f, last %.1f; last half (t >= %ds, %d samples): mean %.1f, slope %+.2f MiB/min (%+.1f%% of the mean per 10 min)\n",
			mn, mx, r[NR], t[h], n, sy/n, slope*60, (sy ? slope*600/(sy/n)*100 : 0)
	}' "$work/rss.tsv"
	awk -v m="$((60 / SAMPLE_EVERY > 0 ? 60 / SAMPLE_EVERY : 1))" '{s += $2; n++} n == m {printf "%s%.0f", (k++ ? " " : ""), s/n; s = n = 0}
		END {if (n) printf "%s%.0f", (k ? " " : ""), s/n; print ""}' "$work/rss.tsv" | sed 's/^/RSS MiB, mean per minute: /'
	echo "long run: $(jnum rows_per_sec "$out") rows/s over $(jnum elapsed_s "$out") s, p50 $(jnum p50_ms "$out") ms, p99 $(jnum p99_ms "$out") ms, errors $(jnum errors "$out"), client $(jnum client_cores "$out") cores"
	awk -v c="$((clong1 - clong0))" -v k="$clk_tck" -v a="$start" -v b="$tlong1" -v n="$(jnum rows_accepted "$out")" \
		'BEGIN {printf "long run, server: %.2f cores, %.2f CPU s per million rows\n", c/k/(b-a), (n ? c/k/n*1e6 : 0)}'
	echo "rows/s per ${SLICE} slice: $(jlist rows_per_sec_by_slice "$out" | paste -sd ' ')"
	awk -v m="$((60 / SAMPLE_EVERY > 0 ? 60 / SAMPLE_EVERY : 1))" '{s += $3; o += $4; n++} n == m {printf "%s%.2f/%.2f", (k++ ? " " : ""), s/n, o/n; s = o = n = 0}
		END {if (n) printf "%s%.2f/%.2f", (k ? " " : ""), s/n, o/n; print ""}' "$work/rss.tsv" | sed 's/^/server cores \/ other cores, mean per minute: /'
	grep -q '"first_error"' "$out" && echo "first error: $(sed -n 's/^ *"first_error": //p' "$out")"
fi

if ((PERF)); then
	echo
	echo "== CPU profile of mlre serve (perf record, ${PERF_SECONDS}s, while ingestbench runs)"
	out="$work/perf.json"
	"$work/ingestbench" --url "$base" "${gen_flags[@]}" --warmup 2s --duration "$((PERF_SECONDS + 3))s" >"$out" &
	gen_pid=$!
	pids+=("$gen_pid")
	run_fg sleep 2
	run_fg perf record -q -e cpu-clock -F 499 -g -p "$mlre_pid" -o "$work/perf.data" -- sleep "$PERF_SECONDS" 2>/dev/null || true
	wait "$gen_pid" || true
	stop_pids "$gen_pid"
	account "$out"
	echo "(during the profile: $(jnum rows_per_sec "$out") rows/s)"
	# Full reports stay in the work directory (KEEP=1); the tops are printed.
	perf report -i "$work/perf.data" --no-children --sort symbol --stdio -g none >"$work/perf-self.txt" 2>/dev/null || true
	perf report -i "$work/perf.data" --children --sort symbol --stdio -g none >"$work/perf-children.txt" 2>/dev/null || true
	echo "-- top functions, self time (%):"
	awk '/^ +[0-9.]+%/ && n++ < 25 {printf "%8s  %s\n", $1, $3}' "$work/perf-self.txt"
	echo "-- top functions, cumulative (children %, self %; HTTP server, router and middleware frames left out):"
	awk '/^ +[0-9.]+%/ && $4 !~ /^(net\/http|runtime\.goexit|github.com\/(julienschmidt|prometheus\/(common\/route|client_golang\/prometheus\/promhttp))|github.com\/mlre-dev\/mlre\/internal\/(api\.New|app\.\(\*App\)\.serve))/ && n++ < 35 {printf "%8s %8s  %s\n", $1, $2, $4}' "$work/perf-children.txt"
fi

echo
echo "== did it land? (ingestbench saw $total rows accepted, $dups duplicates, over every run)"
ok=1
models=$(curl -fsS "$base/api/v1/models")
api_total=$({ printf '%s' "$models" | grep -o '"predictions_total":{[^}]*}' | sed 's/.*{//; s/}//' | tr ',' '\n' |
	awk -F: 'NF == 2 {s += $2} END {printf "%.0f", s}'; } || true)
echo "GET /api/v1/models: predictions_total = $api_total"
[[ $api_total == "$total" ]] || ok=0
echo "waiting ${COLLECT_WAIT}s for a collection of the mlre_model_* series"
run_fg sleep "$COLLECT_WAIT"
prom_total=$(qval "$base" 'sum(mlre_model_predictions_total)')
prom_dups=$(qval "$base" 'sum(mlre_model_duplicates_total)')
echo "/api/v1/query: sum(mlre_model_predictions_total) = $prom_total, sum(mlre_model_duplicates_total) = ${prom_dups:-none}"
[[ $prom_total == "$total" ]] || ok=0
[[ $dups == 0 ]] || ok=0
curl -fsS "$base/metrics" | awk '
	/^mlre_model_evaluation_duration_seconds_count/ {n = $2}
	/^mlre_model_evaluation_duration_seconds_sum/ {s = $2}
	/^mlre_model_evaluation_duration_seconds\{quantile="0.99"\}/ {q = $2}
	/^go_memstats_heap_inuse_bytes / {h = $2}
	END {printf "model evaluations: %d, mean %.3f s, p99 %.3f s; Go heap in use %.0f MiB\n", n, (n ? s/n : 0), q, h/1048576}'
echo "server at the end: RSS $(($(rss_kib "$mlre_pid") / 1024)) MiB, $(awk '/^VmHWM:/ {printf "%.0f", $2/1024}' "/proc/$mlre_pid/status") MiB peak (VmHWM), <data>/models $(awk -v b="$(dir_bytes "$data/models")" 'BEGIN {printf "%.1f", b/1048576}') MiB"
if ((ok)); then echo "every accepted row was counted once"; else
	echo "MISMATCH: see above" >&2
	exit 1
fi
