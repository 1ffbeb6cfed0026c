#!/usr/bin/env bash
# Resource benchmark: memory and CPU of `mlre serve` vs Prometheus.
#
# Two scenarios, each with fresh data directories and both servers running
# side by side on loopback ports (so the machine's noise hits both alike):
#   idle   mlre with its built-in default config (scrapes its own /metrics
#          every 15s); Prometheus with the equivalent config (scrapes itself
#          every 15s).
#   scrape both with the same config: scrape_interval 15s, one job with
#          TARGETS static targets served by bench/targets (SERIES_PER_TARGET
#          node_exporter-like series each).
# After a warm-up, CPU (utime+stime from /proc/PID/stat) is measured over a
# WINDOW-second window, RSS (VmRSS) is sampled every 5s, and VmRSS/VmHWM are
# read from /proc/PID/status at the end, with the Go heap in use from each
# server's /metrics. Prints both and the ratios mlre/Prometheus.
#
# Usage: bench/run-resources.sh
# Settings (environment):
#   WINDOW=60 IDLE_WARMUP=15 SCRAPE_WARMUP=45 (seconds)
#   TARGETS=100 SERIES_PER_TARGET=500 SCENARIOS="idle scrape"
#   PROMETHEUS=/usr/bin/prometheus MLRE_PORT=29811 PROM_PORT=29812
#   TARGETS_FIRST_PORT=29900 KEEP=1 keeps the work directory.
# Default ports sit below Linux's ephemeral range (32768-60999), where a
# busy machine's outgoing connections could already hold them.
set -euo pipefail

WINDOW=${WINDOW:-60}
IDLE_WARMUP=${IDLE_WARMUP:-15}
SCRAPE_WARMUP=${SCRAPE_WARMUP:-45}
TARGETS=${TARGETS:-100}
SERIES_PER_TARGET=${SERIES_PER_TARGET:-500}
SCENARIOS=${SCENARIOS:-idle scrape}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
MLRE_PORT=${MLRE_PORT:-29811}
PROM_PORT=${PROM_PORT:-29812}
TARGETS_FIRST_PORT=${TARGETS_FIRST_PORT:-29900}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-resbench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need curl awk sed "$PROMETHEUS"
ports_free MLRE_PORT/PROM_PORT/TARGETS_FIRST_PORT "$MLRE_PORT" "$PROM_PORT" $(seq "$TARGETS_FIRST_PORT" $((TARGETS_FIRST_PORT + TARGETS - 1)))

status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
heap_inuse() { curl -fsS "$1/metrics" | awk '/^go_memstats_heap_inuse_bytes / {printf "%.0f", $2}'; }
clk_tck=$(getconf CLK_TCK)

echo "== build"
go build -o "$work/mlre" ./cmd/mlre
go build -o "$work/targets" ./bench/targets

print_env "$work/mlre" "$PROMETHEUS"
echo "== settings: window=${WINDOW}s idle_warmup=${IDLE_WARMUP}s scrape_warmup=${SCRAPE_WARMUP}s targets=$TARGETS series_per_target=$SERIES_PER_TARGET"

mlre_url="http://127.0.0.1:$MLRE_PORT"
prom_url="http://127.0.0.1:$PROM_PORT"
results=()

# start_servers SCENARIO: starts mlre and Prometheus with fresh data dirs;
# sets mlre_pid and prom_pid.
start_servers() {
	local sc=$1 mlre_cfg=()
	mkdir -p "$work/$sc"
	if [[ $sc == idle ]]; then
		cat >"$work/$sc/prometheus.yml" <<-EOF
			global:
			  scrape_interval: 15s
			  evaluation_interval: 15s
			scrape_configs:
			  - job_name: prometheus
			    static_configs:
			      - targets: ["127.0.0.1:$PROM_PORT"]
		EOF
	else
		{
			printf 'global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets:\n'
			for p in $(seq "$TARGETS_FIRST_PORT" $((TARGETS_FIRST_PORT + TARGETS - 1))); do
				printf '          - "127.0.0.1:%s"\n' "$p"
			done
		} >"$work/$sc/prometheus.yml"
		mlre_cfg=(--config "$work/$sc/prometheus.yml")
	fi
	"$work/mlre" serve --listen "127.0.0.1:$MLRE_PORT" --storage.path "$work/$sc/mlre-data" \
		"${mlre_cfg[@]}" >"$work/$sc/mlre.log" 2>&1 &
	mlre_pid=$!
	pids+=("$mlre_pid")
	"$PROMETHEUS" --config.file "$work/$sc/prometheus.yml" --storage.tsdb.path "$work/$sc/prom-data" \
		--web.listen-address "127.0.0.1:$PROM_PORT" >"$work/$sc/prom.log" 2>&1 &
	prom_pid=$!
	pids+=("$prom_pid")
	wait_ready "$mlre_url" "$mlre_pid" "$work/$sc/mlre.log"
	wait_ready "$prom_url" "$prom_pid" "$work/$sc/prom.log"
}

# measure SCENARIO: samples both servers over WINDOW seconds.
measure() {
	local sc=$1 t0 t1 m0 m1 p0 p1 i
	local m_sum=0 p_sum=0 n=0
	t0=$(date +%s.%N)
	m0=$(cpu_ticks "$mlre_pid")
	p0=$(cpu_ticks "$prom_pid")
	for ((i = 0; i < WINDOW; i += 5)); do
		m_sum=$((m_sum + $(status_kib "$mlre_pid" VmRSS)))
		p_sum=$((p_sum + $(status_kib "$prom_pid" VmRSS)))
		n=$((n + 1))
		run_fg sleep $((WINDOW - i < 5 ? WINDOW - i : 5))
	done
	m1=$(cpu_ticks "$mlre_pid")
	p1=$(cpu_ticks "$prom_pid")
	t1=$(date +%s.%N)
	local el
	el=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
	for s in mlre prometheus; do
		local pid url c0 c1 sum
		if [[ $s == mlre ]]; then pid=$mlre_pid url=$mlre_url c0=$m0 c1=$m1 sum=$m_sum; else pid=$prom_pid url=$prom_url c0=$p0 c1=$p1 sum=$p_sum; fi
		# scenario server cpu_s cpu_pct rss_end_MiB rss_avg_MiB hwm_MiB heap_MiB anon_MiB file_MiB
		results+=("$(awk -v sc="$sc" -v s="$s" -v c="$((c1 - c0))" -v k="$clk_tck" -v el="$el" \
			-v rss="$(status_kib "$pid" VmRSS)" -v avg="$((sum / n))" -v hwm="$(status_kib "$pid" VmHWM)" -v heap="$(heap_inuse "$url")" \
			-v anon="$(status_kib "$pid" RssAnon)" -v file="$(status_kib "$pid" RssFile)" \
			'BEGIN {printf "%s %s %.2f %.2f %.1f %.1f %.1f %.1f %.1f %.1f", sc, s, c/k, 100*c/k/el, rss/1024, avg/1024, hwm/1024, heap/1048576, anon/1024, file/1024}')")
	done
}

for sc in $SCENARIOS; do
	echo "== scenario $sc"
	tpid=
	if [[ $sc == scrape ]]; then
		"$work/targets" --first-port "$TARGETS_FIRST_PORT" --count "$TARGETS" --series "$SERIES_PER_TARGET" >"$work/targets.log" 2>&1 &
		tpid=$!
		pids+=("$tpid")
		sleep 1
		head -n1 "$work/targets.log"
		warm=$SCRAPE_WARMUP
	elif [[ $sc == idle ]]; then
		warm=$IDLE_WARMUP
	else
		echo "unknown scenario $sc" >&2
		exit 2
	fi
	start_servers "$sc"
	echo "warm-up ${warm}s, then measuring ${WINDOW}s"
	run_fg sleep "$warm"
	measure "$sc"
	if [[ $sc == scrape ]]; then
		for s in mlre prometheus; do
			u=$mlre_url
			[[ $s == prometheus ]] && u=$prom_url
			echo "$s: targets up = $(qval "$u" 'count(up{job="node"} == 1)'), samples per scrape round = $(qval "$u" 'sum(scrape_samples_scraped{job="node"})'), series = $(qval "$u" 'count({job="node"})')"
		done
	fi
	stop_pids "$mlre_pid" "$prom_pid" $tpid
done

echo
# rss_end = anon + file (+ shmem) at the end of the window; heap = the Go
# heap in use (go_memstats_heap_inuse_bytes).
printf '%-8s %-11s %7s %7s %12s %12s %9s %10s %9s %9s\n' scenario server cpu_s cpu_% rss_end_MiB rss_avg_MiB hwm_MiB heap_MiB anon_MiB file_MiB
for r in "${results[@]}"; do
	# shellcheck disable=SC2086
	printf '%-8s %-11s %7s %7s %12s %12s %9s %10s %9s %9s\n' $r
done
echo
echo "ratios mlre/prometheus:"
printf '%s\n' "${results[@]}" | awk '
	{k = $1; if ($2 == "mlre") {for (i = 3; i <= 10; i++) m[k, i] = $i; order[++n] = k} else for (i = 3; i <= 10; i++) p[k, i] = $i}
	END {
		split("cpu_s cpu_% rss_end rss_avg hwm heap anon file", name)
		for (j = 1; j <= n; j++) {
			k = order[j]; line = k ":"
			for (i = 3; i <= 10; i++) if (i != 4) line = line sprintf(" %s %s", name[i-2], p[k, i] > 0 ? sprintf("%.2f", m[k, i]/p[k, i]) : "n/a")
			print "  " line
		}
	}'
