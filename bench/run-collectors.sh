#!/usr/bin/env bash
# Collector cost benchmark (issue 5): CPU time per collection of mlre's
# in-process collectors, and their scrape-to-store latency, with
# node_exporter as the peer for the host collector.
#
# Each round, in this order or its reverse (rounds alternate):
#   go     the Go benchmarks in bench/collectors, each for BENCHTIME:
#          Gather of the GPU collector over gpusim's 8 simulated H100s, and of
#          the host collector on the real /proc and /sys; the host collector's
#          HTTP handler into a recorder (gather + text + gzip, no network);
#          collect.Once of each into a real TSDB (scrape-to-store). CPU is
#          the benchmark process's user+sys time (getrusage) per op.
#   http   the same scraper (bench/collectors scrape: sequential GETs over
#          one kept-alive connection, text format, gzip, as a Prometheus
#          scrape) takes SCRAPES scrapes of node_exporter and of mlre's host
#          collector served the way mlre serves /metrics/node
#          (bench/collectors serve), alternating which goes first; each
#          server's CPU is utime+stime from /proc/PID/stat over its scrapes.
# node_exporter runs with the collectors mlre's host collector implements
# (cpu meminfo loadavg filesystem diskstats netdev pressure stat time uname)
# and without its own go_/process_ metrics, so both expose about the same
# series; the script prints both counts. other_cores, printed per HTTP run,
# is the CPU anything but the server and the scraper used meanwhile: noise
# from the machine's other tenants.
#
# Usage: bench/run-collectors.sh
# Settings (environment):
#   ROUNDS=5 SCRAPES=500 BENCHTIME=2s
#   NODE_EXPORTER=/usr/bin/prometheus-node-exporter
#   MLRE_PORT=29831 NE_PORT=29832 KEEP=1 keeps the work directory.
# Default ports sit below Linux's ephemeral range (32768-60999).
set -euo pipefail

ROUNDS=${ROUNDS:-5}
SCRAPES=${SCRAPES:-500}
BENCHTIME=${BENCHTIME:-2s}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
MLRE_PORT=${MLRE_PORT:-29831}
NE_PORT=${NE_PORT:-29832}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-collbench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need go curl awk sed "$NODE_EXPORTER"
ports_free MLRE_PORT/NE_PORT "$MLRE_PORT" "$NE_PORT"
clk_tck=$(getconf CLK_TCK)

# host_ticks: "busy total" clock ticks of all CPUs, from /proc/stat.
host_ticks() { awk '/^cpu / {t = $2+$3+$4+$5+$6+$7+$8+$9; print t - $5 - $6, t; exit}' /proc/stat; }
# kv KEY LINE: the value of KEY=value in the scraper's output line.
kv() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }
# wait_metrics URL PID LOG: waits until URL answers.
wait_metrics() {
	local i
	for i in $(seq 1 60); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.5
	done
	echo "$1 did not answer; last lines of $3:" >&2
	tail -n 5 "$3" >&2
	return 1
}

echo "== build"
go build -o "$work/collectors" ./bench/collectors
go test -c -o "$work/collectors.test" ./bench/collectors

rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git status --porcelain -- cmd internal go.mod go.sum 2>/dev/null) ]] && rev="$rev+uncommitted changes"
echo "== machine: $(nproc) CPUs, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), Linux $(uname -r)"
echo "== date: $(date -u)"
echo "== node_exporter: $("$NODE_EXPORTER" --version 2>&1 | head -n1)"
echo "== mlre: source $rev, $(go version | cut -d' ' -f3-)"
echo "== settings: rounds=$ROUNDS scrapes=$SCRAPES benchtime=$BENCHTIME"

"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_PORT" --web.disable-exporter-metrics \
	--collector.disable-defaults --collector.cpu --collector.meminfo --collector.loadavg \
	--collector.filesystem --collector.diskstats --collector.netdev --collector.pressure \
	--collector.stat --collector.time --collector.uname >"$work/node_exporter.log" 2>&1 &
ne_pid=$!
pids+=("$ne_pid")
"$work/collectors" serve --listen "127.0.0.1:$MLRE_PORT" >"$work/serve.log" 2>&1 &
mlre_pid=$!
pids+=("$mlre_pid")

declare -A url pid
url[node_exporter]="http://127.0.0.1:$NE_PORT/metrics"
url[mlre]="http://127.0.0.1:$MLRE_PORT/metrics"
pid[node_exporter]=$ne_pid
pid[mlre]=$mlre_pid
wait_metrics "${url[node_exporter]}" "$ne_pid" "$work/node_exporter.log"
wait_metrics "${url[mlre]}" "$mlre_pid" "$work/serve.log"
# Warm-up: first scrapes open files, grow buffers and heaps.
for s in node_exporter mlre; do
	run_fg "$work/collectors" scrape --url "${url[$s]}" --n 50 >/dev/null
done

# values: "key value" lines, one per round and measurement; the medians
# are taken per key at the end.
: >"$work/values"
go_round() {
	run_fg "$work/collectors.test" -test.run '^$' -test.bench . -test.benchtime "$BENCHTIME" >"$work/bench$1.txt"
	cat "$work/bench$1.txt" >>"$work/bench.txt"
	awk '/^Benchmark/ {n = $1; sub(/^Benchmark/, "", n); sub(/-[0-9]+$/, "", n)
		for (i = 3; i < NF; i += 2) print n " " $(i+1) " " $i}' "$work/bench$1.txt" >>"$work/values"
	awk '/^Benchmark/ {n = $1; sub(/-[0-9]+$/, "", n); line = sprintf("%-28s", n)
		for (i = 3; i < NF; i += 2) if ($(i+1) ~ /ns\/op|p50|p99/) line = line sprintf(" %s %.0fµs", $(i+1), $i/1000)
		print "  " line}' "$work/bench$1.txt"
	grep -E '^(--- (FAIL|SKIP)|FAIL|    )' "$work/bench$1.txt" | sed 's/^/  /' || true
}
http_round() {
	local s=$1 c0 c1 out hb0 ht0 hb1 ht1 t0 t1
	c0=$(cpu_ticks "${pid[$s]}")
	read -r hb0 ht0 < <(host_ticks)
	t0=$(date +%s.%N)
	run_fg "$work/collectors" scrape --url "${url[$s]}" --n "$SCRAPES" >"$work/scrape.out"
	out=$(<"$work/scrape.out")
	t1=$(date +%s.%N)
	read -r hb1 ht1 < <(host_ticks)
	c1=$(cpu_ticks "${pid[$s]}")
	# server CPU µs per scrape; wall µs per scrape (client side, round
	# trip); other_cores: CPU used meanwhile by anything but the server and
	# the scraper (noise from the machine's other tenants).
	awk -v s="$s" -v c="$((c1 - c0))" -v k="$clk_tck" -v n="$SCRAPES" -v w="$(kv wall_s "$out")" \
		-v sc="$(kv cpu_s "$out")" -v hb="$((hb1 - hb0))" -v ht="$((ht1 - ht0))" -v np="$(nproc)" \
		-v a="$t0" -v b="$t1" -v series="$(kv series "$out")" -v bytes="$(kv bytes "$out")" 'BEGIN {
		o = (ht ? hb/ht*np : 0) - (c/k + sc)/(b-a)
		printf "%s http-cpu-us %.1f\n%s http-wall-us %.1f\n%s series %d\n%s bytes %d\n%s other-cores %.2f\n",
			s, c/k/n*1e6, s, w/n*1e6, s, series, s, bytes, s, (o < 0 ? 0 : o)
	}' | tee -a "$work/values" | awk '{v[$2] = $3; n = $1} END {
		printf "  %-28s server CPU %.0fµs/scrape, wall %.0fµs/scrape, %d series, %d bytes, other_cores %.2f\n",
			n " over HTTP", v["http-cpu-us"], v["http-wall-us"], v["series"], v["bytes"], v["other-cores"]}'
}

for r in $(seq 1 "$ROUNDS"); do
	echo "== round $r"
	if ((r % 2)); then
		go_round "$r"
		http_round node_exporter
		http_round mlre
	else
		http_round mlre
		http_round node_exporter
		go_round "$r"
	fi
done

# med KEY...: the median of "KEY value" lines in values (KEY may hold spaces).
med() {
	awk -v k="$*" '{v = $NF; $NF = ""; sub(/ $/, ""); if ($0 == k) print v}' "$work/values" |
		sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "n/a"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
us() { awk -v v="$1" 'BEGIN {if (v == "n/a") print v; else printf "%.0f", v/1000}'; }

echo
echo "== medians over $ROUNDS rounds (µs; cpu = process user+sys per collection)"
printf '%-44s %9s %9s %9s %9s %8s\n' measurement cpu_us wall_us p50_us p99_us samples
for b in GPUCollect8 GPUScrapeToStore GPUCollectNVML HostCollect HostHandler HostScrapeToStore; do
	[[ $(med "$b ns/op") == n/a ]] && continue
	case $b in
	GPUCollect8) what="GPU, 8 mock H100s (gpusim), gather" ;;
	GPUScrapeToStore) what="GPU, 8 mock H100s, scrape-to-store (TSDB)" ;;
	GPUCollectNVML) what="GPU, this machine's real GPUs, gather" ;;
	HostCollect) what="host, in-process gather" ;;
	HostHandler) what="host, handler: gather + text + gzip" ;;
	HostScrapeToStore) what="host, scrape-to-store (TSDB)" ;;
	esac
	printf '%-44s %9s %9s %9s %9s %8s\n' "$what" "$(us "$(med "$b cpu-ns/op")")" "$(us "$(med "$b ns/op")")" \
		"$(us "$(med "$b p50-ns")")" "$(us "$(med "$b p99-ns")")" "$(awk -v v="$(med "$b samples/op")" 'BEGIN {print (v == "n/a") ? v : sprintf("%.0f", v)}')" | sed 's/n\/a/  -/g'
done
for s in mlre node_exporter; do
	what="host over HTTP, $s (server CPU)"
	[[ $s == mlre ]] && what="host over HTTP, mlre's handler (server CPU)"
	printf '%-44s %9.0f %9.0f %9s %9s %8s\n' "$what" "$(med "$s http-cpu-us")" "$(med "$s http-wall-us")" - - "$(med "$s series")"
done
echo "(HTTP wall is the scraper's round trip per scrape; samples there are the series in the response)"
echo "NVML calls per collection of the 8 mock GPUs: $(med "GPUCollect8 nvml-calls/op")"

ne=$(med "node_exporter http-cpu-us")
awk -v ne="$ne" -v http="$(med "mlre http-cpu-us")" -v g="$(med "HostCollect cpu-ns/op")" -v h="$(med "HostHandler cpu-ns/op")" \
	-v st="$(med "HostScrapeToStore cpu-ns/op")" 'BEGIN {
	print "ratios, CPU per collection / node_exporter CPU per scrape:"
	printf "  mlre host over HTTP        %.2f  (like for like: both gather, encode and gzip)\n", http/ne
	printf "  mlre host handler          %.2f  (gather + encode + gzip, no network)\n", h/1000/ne
	printf "  mlre host gather           %.2f  (in-process: no HTTP, no encoding)\n", g/1000/ne
	printf "  mlre host scrape-to-store  %.2f  (in-process gather + TSDB append, what mlre runs)\n", st/1000/ne
}'
echo "other_cores medians: node_exporter rounds $(med "node_exporter other-cores"), mlre rounds $(med "mlre other-cores")"
