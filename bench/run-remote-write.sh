#!/usr/bin/env bash
# Remote-write ingest benchmark: mlre vs Prometheus.
#
# Builds mlre and bench/rwbench, measures rwbench alone against a trivial sink
# (to show the client is not the bottleneck), then starts `mlre serve` and
# Prometheus, each on a loopback port with a fresh data directory and the
# same minimal config (no scrape jobs), and pushes the same remote_write 1.0
# stream at each for ROUNDS rounds, alternating the order (ABBA...). Prints
# per-round samples/s, the median of each server, and the ratio
# mlre/Prometheus; finally checks through each server's /api/v1/query that
# all series landed, and that the TSDB appended exactly the samples rwbench
# saw accepted.
#
# Usage: bench/run-remote-write.sh
# Settings (environment):
#   ROUNDS=3 DURATION=30s WARMUP=5s SERIES=10000 SAMPLES_PER_REQUEST=2000
#   CONCURRENCY=4 SINK_DURATION=10s (0 skips the sink run)
#   PROMETHEUS=/usr/bin/prometheus MLRE_PORT=29801 PROM_PORT=29802 SINK_PORT=29803
#   KEEP=1 keeps the work directory (data, logs, JSON reports).
# Default ports sit below Linux's ephemeral range (32768-60999), where a
# busy machine's outgoing connections could already hold them.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
SERIES=${SERIES:-10000}
SAMPLES_PER_REQUEST=${SAMPLES_PER_REQUEST:-2000}
CONCURRENCY=${CONCURRENCY:-4}
SINK_DURATION=${SINK_DURATION:-10s}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
MLRE_PORT=${MLRE_PORT:-29801}
PROM_PORT=${PROM_PORT:-29802}
SINK_PORT=${SINK_PORT:-29803}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-rwbench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need curl awk sed "$PROMETHEUS"
ports_free MLRE_PORT/PROM_PORT/SINK_PORT "$MLRE_PORT" "$PROM_PORT" "$SINK_PORT"

# jnum KEY FILE: a number from rwbench's flat JSON report.
jnum() { sed -n "s/^ *\"$1\": \([-0-9.e+]*\),\{0,1\}$/\1/p" "$2" | head -n1; }
# host_ticks: "busy total" clock ticks of all CPUs, from /proc/stat.
host_ticks() { awk '/^cpu / {t = $2+$3+$4+$5+$6+$7+$8+$9; print t - $5 - $6, t; exit}' /proc/stat; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2}'; }
clk_tck=$(getconf CLK_TCK)

echo "== build"
go build -o "$work/mlre" ./cmd/mlre
go build -o "$work/rwbench" ./bench/rwbench

rw_flags=(--series "$SERIES" --samples-per-request "$SAMPLES_PER_REQUEST" --concurrency "$CONCURRENCY" --warmup "$WARMUP")

print_env "$work/mlre" "$PROMETHEUS"
echo "== settings: series=$SERIES samples_per_request=$SAMPLES_PER_REQUEST concurrency=$CONCURRENCY duration=$DURATION warmup=$WARMUP rounds=$ROUNDS"

if [[ $SINK_DURATION != 0 ]]; then
	"$work/rwbench" --sink "127.0.0.1:$SINK_PORT" >"$work/sink.out" 2>&1 &
	sink_pid=$!
	pids+=("$sink_pid")
	run_fg sleep 1
	run_fg "$work/rwbench" --url "http://127.0.0.1:$SINK_PORT/api/v1/write" "${rw_flags[@]}" --duration "$SINK_DURATION" >"$work/sink.json"
	kill -TERM "$sink_pid"
	wait "$sink_pid" || true
	pids=()
	printf '== client only (trivial sink, %s): %s samples/s, client CPU %s s per million samples\n' \
		"$SINK_DURATION" "$(jnum samples_per_sec "$work/sink.json")" "$(jnum client_cpu_s_per_million_samples "$work/sink.json")"
fi

cat >"$work/config.yml" <<'EOF'
global:
  scrape_interval: 15s
  evaluation_interval: 15s
EOF

"$work/mlre" serve --listen "127.0.0.1:$MLRE_PORT" --storage.path "$work/mlre-data" \
	--config "$work/config.yml" >"$work/mlre.log" 2>&1 &
mlre_pid=$!
pids+=("$mlre_pid")
"$PROMETHEUS" --config.file "$work/config.yml" --storage.tsdb.path "$work/prom-data" \
	--web.listen-address "127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver >"$work/prom.log" 2>&1 &
prom_pid=$!
pids+=("$prom_pid")

declare -A url pid accepted
url[mlre]="http://127.0.0.1:$MLRE_PORT"
url[prometheus]="http://127.0.0.1:$PROM_PORT"
pid[mlre]=$mlre_pid
pid[prometheus]=$prom_pid
accepted[mlre]=0
accepted[prometheus]=0
wait_ready "${url[mlre]}" "$mlre_pid" "$work/mlre.log"
wait_ready "${url[prometheus]}" "$prom_pid" "$work/prom.log"

# cpu_cores: the server's CPU use during the run; cpu_s/Msamp: server CPU
# seconds per million samples accepted; other_cores: CPU used by anything but
# the server and rwbench meanwhile (noise from the machine's other tenants).
printf '\n%-6s %-11s %12s %9s %9s %7s %9s %12s %11s %8s\n' round server samples/s p50_ms p99_ms errors cpu_cores cpu_s/Msamp other_cores rss_MiB
: >"$work/mlre.rates"
: >"$work/prometheus.rates"
for r in $(seq 1 "$ROUNDS"); do
	if ((r % 2)); then order=(mlre prometheus); else order=(prometheus mlre); fi
	for s in "${order[@]}"; do
		out="$work/round$r-$s.json"
		t0=$(date +%s.%N)
		c0=$(cpu_ticks "${pid[$s]}")
		read -r hb0 ht0 < <(host_ticks)
		run_fg "$work/rwbench" --url "${url[$s]}/api/v1/write" "${rw_flags[@]}" --duration "$DURATION" >"$out" || true
		c1=$(cpu_ticks "${pid[$s]}")
		read -r hb1 ht1 < <(host_ticks)
		t1=$(date +%s.%N)
		rate=$(jnum samples_per_sec "$out")
		rate=${rate:-0}
		a1=$(jnum samples_accepted "$out")
		a2=$(jnum warmup_samples_accepted "$out")
		acc=$((${a1:-0} + ${a2:-0}))
		accepted[$s]=$((accepted[$s] + acc))
		echo "$rate" >>"$work/$s.rates"
		# Server CPU over the whole rwbench run (warm-up included), per
		# million samples it accepted in that run.
		printf '%-6s %-11s %12s %9s %9s %7s %9.2f %12.2f %11.2f %8.0f\n' "$r" "$s" "$rate" \
			"$(jnum p50_ms "$out")" "$(jnum p99_ms "$out")" "$(jnum errors "$out")" \
			"$(awk -v c="$((c1 - c0))" -v k="$clk_tck" -v a="$t0" -v b="$t1" 'BEGIN {print c/k/(b-a)}')" \
			"$(awk -v c="$((c1 - c0))" -v k="$clk_tck" -v n="$acc" 'BEGIN {print (n ? c/k/n*1e6 : 0)}')" \
			"$(awk -v hb="$((hb1 - hb0))" -v ht="$((ht1 - ht0))" -v c="$((c1 - c0))" -v k="$clk_tck" -v cl="$(jnum client_cpu_s "$out")" \
				-v n="$(nproc)" -v a="$t0" -v b="$t1" 'BEGIN {o = (ht ? hb/ht*n : 0) - (c/k + cl)/(b-a); print (o < 0 ? 0 : o)}')" \
			"$(($(rss_kib "${pid[$s]}") / 1024))"
		grep -q '"first_error"' "$out" && echo "       first error: $(sed -n 's/^ *"first_error": //p' "$out")"
	done
done

m_med=$(median <"$work/mlre.rates")
p_med=$(median <"$work/prometheus.rates")
echo
echo "median samples/s: mlre $m_med, prometheus $p_med"
awk -v m="$m_med" -v p="$p_med" 'BEGIN {if (p > 0) printf "ratio mlre/prometheus: %.2f\n", m/p}'

echo
echo "== did it land? (each server; expect $SERIES series and head samples = samples rwbench saw accepted)"
ok=1
for s in mlre prometheus; do
	n=$(qval "${url[$s]}" 'count({cluster="rwbench"})')
	load=$(qval "${url[$s]}" 'sum(count_over_time(node_load1{cluster="rwbench"}[1h]))')
	appended=$(curl -fsS "${url[$s]}/metrics" |
		awk '/^prometheus_tsdb_head_samples_appended_total/ {s += $2} END {printf "%.0f", s}')
	echo "$s: count({cluster=\"rwbench\"}) = $n; node_load1 samples stored = $load; head samples appended = $appended, rwbench accepted = ${accepted[$s]}"
	[[ $n == "$SERIES" && $appended == "${accepted[$s]}" ]] || ok=0
done
if ((ok)); then echo "all series landed; sample counts match"; else
	echo "MISMATCH: see above" >&2
	exit 1
fi
