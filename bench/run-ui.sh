#!/usr/bin/env bash
# Web UI latency benchmark: how long `mlre serve` takes to answer its
# server-rendered pages with N SLOs, against what Prometheus's own UI loads
# for the same rules (its Rules and Alerts pages are rendered in the browser
# from GET /api/v1/rules and GET /api/v1/alerts).
#
# SLOs and data as in run-slo-rules.sh: N event SLOs over
# http_requests_total{job="svc-<i>",code="200|500"} at 100 requests/s; a
# quarter of the services fail 5% of requests, the others 0%, 0.03% or 0.2%,
# so that burn-rate alerts fire (pages and tickets). No burn rate lands on a
# threshold: at exactly 1x, float rounding would decide between the servers.
# History: HOURS hours up to the start, one sample per STEP seconds, written
# as OpenMetrics and turned into TSDB blocks with `promtool tsdb
# create-blocks-from openmetrics`. Then the same counters, as functions of the
# time, are served live by a small Python feed that both servers scrape every
# 15s, so that the 5m windows stay full and the alerts stay the same for the
# whole run, whichever server runs when. (Blocks that reach into the future do
# not work: the head then refuses the rules' samples as out of bounds.)
# HISTORY=D (days, default 0) also writes D days of the 5m rates the rules
# record (slo:sli_errors:rate5m, slo:sli_total:rate5m, one sample per EVAL),
# as a server that has run for D days holds: the period ratio and mlre's SLO
# status read them over the whole 30d window.
# `mlre serve` runs with the SLOs, Debian's Prometheus with the rule file
# `mlre rules generate` prints for them (the SLO groups and the built-in
# health rules), each on a fresh copy of the blocks, evaluation_interval EVAL.
# mlre's in-process host and GPU collectors are off, so that both servers
# hold the same series.
#
# Each server runs alone (one after the other, ROUNDS times, alternating who
# goes first). After it is ready, the script waits WARMUP seconds and until
# every rule group has run at least 3 times, then for each endpoint sends 3
# unmeasured requests and REQUESTS sequential measured ones (one curl process,
# one kept-alive connection over loopback) and takes curl's %{time_total}:
#   mlre:       GET /slos  GET /  GET /alerts  GET /api/v1/slos
#               GET /api/v1/rules  GET /api/v1/alerts
#   prometheus: GET /api/v1/rules  GET /api/v1/alerts
# Per round it prints median and p90 in ms and the response size; at the end
# the medians over the rounds and the ratios mlre /slos / Prometheus
# /api/v1/rules and mlre /alerts / Prometheus /api/v1/alerts. Rule
# evaluation goes on while requests are measured, in both servers.
#
# Checks (the run fails otherwise): every response is 200; mlre's /slos page
# has N rows (links to /slos/<service>/<name>) and /api/v1/slos N entries;
# finally both servers are started together on fresh copies and, once both
# have evaluated every group 3 times, the number of firing alerts on their
# /api/v1/alerts must agree (retried for up to 3 evaluation intervals) and
# not be 0.
#
# Usage: bench/run-ui.sh
# Settings (environment): N=500 HOURS=3 HISTORY=0 STEP=60 EVAL=15s WARMUP=75
#   REQUESTS=50 ROUNDS=3 PROMETHEUS=/usr/bin/prometheus PROMTOOL=/usr/bin/promtool
#   MLRE_PORT=29831 PROM_PORT=29832 FEED_PORT=29833 KEEP=1 keeps the work directory.
set -euo pipefail

N=${N:-500}
HOURS=${HOURS:-3}
HISTORY=${HISTORY:-0}
STEP=${STEP:-60}
EVAL=${EVAL:-15s}
WARMUP=${WARMUP:-75}
REQUESTS=${REQUESTS:-50}
ROUNDS=${ROUNDS:-3}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
MLRE_PORT=${MLRE_PORT:-29831}
PROM_PORT=${PROM_PORT:-29832}
FEED_PORT=${FEED_PORT:-29833}

cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mlre-uibench.XXXXXX)
# shellcheck source=bench/lib.sh
. bench/lib.sh
need curl awk python3 "$PROMETHEUS" "$PROMTOOL"
ports_free MLRE_PORT/PROM_PORT/FEED_PORT "$MLRE_PORT" "$PROM_PORT" "$FEED_PORT"
eval_s=${EVAL%s}
MLRE_URL="http://127.0.0.1:$MLRE_PORT"
PROM_URL="http://127.0.0.1:$PROM_PORT"

echo "== build"
go build -o "$work/mlre" ./cmd/mlre
print_env "$work/mlre" "$PROMETHEUS"
echo "== settings: N=$N hours=$HOURS history=${HISTORY}d step=${STEP}s eval=$EVAL warmup=${WARMUP}s requests=$REQUESTS rounds=$ROUNDS"

echo "== data and SLOs"
# WORK/slos.yml, the history (HOURS hours up to now) as OpenMetrics, and
# WORK/feed.json for feed() below: the same counters as functions of the
# time, so that what both servers scrape continues the history exactly.
python3 - "$work" "$N" "$HOURS" "$STEP" "$FEED_PORT" "$HISTORY" "$eval_s" <<'EOF'
import sys, time, random, json
work, n, hours, step, port = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
history, eval_s = float(sys.argv[6]), int(sys.argv[7])
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
err = [random.choice([0.0, 0.0003, 0.002, 0.05]) for _ in range(n)]
end = int(time.time()) // step * step
t0 = end - int(hours * 3600)
json.dump({"n": n, "t0": t0, "err": err, "port": port}, open(f"{work}/feed.json", "w"))
inst = f"127.0.0.1:{port}"
# 100 requests/s per service; the counters are 0 at t0.
with open(f"{work}/data.om", "w") as f:
    f.write("# TYPE http_requests counter\n")
    for i in range(n):
        for code, share in (("200", 1 - err[i]), ("500", err[i])):
            f.writelines(f'http_requests_total{{job="svc-{i}",instance="{inst}",code="{code}"}} {100 * (t - t0) * share:.3f} {t}\n'
                         for t in range(t0, end + 1, step))
    if history > 0:
        f.write("# TYPE slo:sli_total:rate5m gauge\n")
        for i in range(n):
            f.writelines(f'slo:sli_total:rate5m{{service="svc-{i}",slo="availability"}} 100 {t}\n'
                         for t in range(end - int(history * 86400), end, eval_s))
        f.write("# TYPE slo:sli_errors:rate5m gauge\n")
        for i in range(n):
            f.writelines(f'slo:sli_errors:rate5m{{service="svc-{i}",slo="availability"}} {100 * err[i]:g} {t}\n'
                         for t in range(end - int(history * 86400), end, eval_s))
    f.write("# EOF\n")
EOF
"$PROMTOOL" tsdb create-blocks-from openmetrics "$work/data.om" "$work/blocks" >/dev/null
rm "$work/data.om"
echo "blocks: $(ls "$work/blocks" | wc -l), $(du -sh "$work/blocks" | cut -f1)"

# The feed: the counters at http://127.0.0.1:FEED_PORT/metrics.
python3 - "$work/feed.json" <<'EOF' &
import sys, time, json
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
c = json.load(open(sys.argv[1]))
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        total = 100 * (time.time() - c["t0"])
        body = "".join(f'http_requests_total{{job="svc-{i}",code="{code}"}} {total * share:.3f}\n'
                       for i, e in enumerate(c["err"]) for code, share in (("200", 1 - e), ("500", e)))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(("# TYPE http_requests_total counter\n" + body).encode())
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", c["port"]), Handler).serve_forever()
EOF
pids+=("$!")
for i in $(seq 1 50); do curl -fsS -o /dev/null "http://127.0.0.1:$FEED_PORT/metrics" 2>/dev/null && break; sleep 0.2; done
echo "feed: $(curl -fsS "http://127.0.0.1:$FEED_PORT/metrics" | grep -c '^http_requests_total') series"

scrape="scrape_configs:
  - job_name: feed
    honor_labels: true # keep job=\"svc-<i>\"
    static_configs: [{targets: [\"127.0.0.1:$FEED_PORT\"]}]"
cat >"$work/mlre.yaml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: $EVAL
$scrape
storage:
  retention: 30d
slo_files: [slos.yml]
# Both servers must hold the same series: no in-process collectors.
collectors:
  host: {enabled: false}
  gpu: {enabled: false}
EOF
"$work/mlre" rules generate --config "$work/mlre.yaml" -o "$work/slos.rules.yml" 2>/dev/null
"$PROMTOOL" check rules "$work/slos.rules.yml" | grep SUCCESS
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: $EVAL
$scrape
rule_files: [slos.rules.yml]
EOF
groups=$(grep -c '^  - name:' "$work/slos.rules.yml")
echo "rules: $(grep -c 'record:\|alert:' "$work/slos.rules.yml") in $groups groups"

# start NAME: starts the server on a fresh copy of the blocks; sets pid.
start() {
	local name=$1 data="$work/data-$1" log="$work/$1.log"
	rm -rf "$data" && cp -r "$work/blocks" "$data"
	if [[ $name == mlre ]]; then
		"$work/mlre" serve --config "$work/mlre.yaml" --listen "127.0.0.1:$MLRE_PORT" --storage.path "$data" >"$log" 2>&1 &
	else
		"$PROMETHEUS" --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$PROM_PORT" \
			--storage.tsdb.path="$data" --storage.tsdb.retention.time=30d >"$log" 2>&1 &
	fi
	pid=$!
	pids+=("$pid")
}
url_of() { if [[ $1 == mlre ]]; then echo "$MLRE_URL"; else echo "$PROM_URL"; fi; }

# min_iterations URL: the fewest evaluations any rule group has run.
min_iterations() {
	curl -fsS "$1/metrics" | awk -v g="$groups" '/^prometheus_rule_group_iterations_total\{/ {n++; if (m == "" || $2 < m) m = $2}
		END {print (n < g) ? 0 : m + 0}'
}
# wait_evaluated URL: waits until every group has been evaluated 3 times.
wait_evaluated() {
	local i
	for i in $(seq 1 240); do
		(($(min_iterations "$1") >= 3)) && return 0
		sleep 1
	done
	echo "$1: rule groups were not evaluated 3 times in 240 s" >&2
	return 1
}
compactions() { curl -fsS "$1/metrics" | awk '/^prometheus_tsdb_compactions_total / {print $2}'; }
firing() {
	curl -fsS "$1/api/v1/alerts" | python3 -c 'import json, sys
a = json.load(sys.stdin)["data"]["alerts"]
print(sum(x["state"] == "firing" for x in a), sum(x["state"] == "pending" for x in a))'
}

# timings URL PATH: REQUESTS sequential requests over one connection after 3
# unmeasured ones; prints "median_ms p90_ms bytes" and keeps the last body in
# $work/last.body. Fails on a status other than 200.
timings() {
	local args=() i out
	for i in $(seq 1 3); do args+=(-o /dev/null "$1$2"); done
	curl -sS "${args[@]}"
	args=()
	for i in $(seq 1 "$REQUESTS"); do args+=(-o /dev/null "$1$2"); done
	out=$(curl -sS -w '%{http_code} %{time_total} %{size_download}\n' "${args[@]}")
	curl -fsS -o "$work/last.body" "$1$2"
	awk -v what="$1$2" '$1 != 200 {print what ": status " $1 > "/dev/stderr"; exit 1}' <<<"$out"
	awk '{print $2 * 1000}' <<<"$out" | sort -g | awk -v b="$(awk 'END {print $3}' <<<"$out")" '{t[NR] = $1}
		END {printf "%.2f %.2f %d\n", (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2, t[int(NR * 0.9 + 0.5)], b}'
}

mlre_paths=(/slos / /alerts /api/v1/slos /api/v1/rules /api/v1/alerts)
prom_paths=(/api/v1/rules /api/v1/alerts)
declare -A med p90 size

# measure NAME ROUND: runs the server alone and times its endpoints.
measure() {
	local name=$1 r=$2 url paths c0 c1 p line t m9 p9 b
	url=$(url_of "$name")
	start "$name"
	wait_ready "$url" "$pid" "$work/$name.log"
	sleep "$WARMUP"
	wait_evaluated "$url"
	if [[ $name == mlre ]]; then paths=("${mlre_paths[@]}"); else paths=("${prom_paths[@]}"); fi
	c0=$(compactions "$url")
	line="round $r $name (firing/pending $(firing "$url" | tr ' ' /)):"
	for p in "${paths[@]}"; do
		t=$(timings "$url" "$p")
		read -r m9 p9 b <<<"$t"
		med[$name$p]+="$m9 " p90[$name$p]+="$p9 " size[$name$p]=$b
		line+=" $p $m9/$p9 ms ${b}B;"
		if [[ $name == mlre && $p == /slos ]]; then
			local rows
			rows=$(grep -o 'href="/slos/' "$work/last.body" | wc -l)
			[[ $rows == "$N" ]] || { echo "mlre /slos lists $rows SLOs, want $N" >&2; exit 1; }
		fi
		if [[ $name == mlre && $p == /api/v1/slos ]]; then
			local n
			n=$(python3 -c 'import json, sys; d = json.load(sys.stdin); d = d.get("data", d); print(len(d))' <"$work/last.body")
			[[ $n == "$N" ]] || { echo "mlre /api/v1/slos lists $n SLOs, want $N" >&2; exit 1; }
		fi
	done
	c1=$(compactions "$url")
	[[ $c0 == "$c1" ]] || line+=" ($((c1 - c0)) compactions while measured)"
	echo "$line"
	stop_pids "$pid"
}

echo "== rounds (median/p90 of $REQUESTS requests, size)"
for r in $(seq 1 "$ROUNDS"); do
	if ((r % 2)); then measure mlre "$r"; measure prometheus "$r"
	else measure prometheus "$r"; measure mlre "$r"; fi
done

median() { printf '%s\n' $1 | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "== medians over $ROUNDS rounds of the per-round median and p90 latency ($N SLOs)"
printf '%-11s %-15s %10s %10s %10s\n' server path median_ms p90_ms bytes
for name in mlre prometheus; do
	if [[ $name == mlre ]]; then paths=("${mlre_paths[@]}"); else paths=("${prom_paths[@]}"); fi
	for p in "${paths[@]}"; do
		printf '%-11s %-15s %10s %10s %10s\n' "$name" "$p" "$(median "${med[$name$p]}")" "$(median "${p90[$name$p]}")" "${size[$name$p]}"
	done
done
ratio() { awk -v a="$(median "${med[$1]}")" -v b="$(median "${med[$2]}")" 'BEGIN {printf "%.2f", a / b}'; }
echo "ratio mlre /slos / prometheus /api/v1/rules: $(ratio mlre/slos prometheus/api/v1/rules)"
echo "ratio mlre /alerts / prometheus /api/v1/alerts: $(ratio mlre/alerts prometheus/api/v1/alerts)"
echo "ratio mlre /api/v1/rules / prometheus /api/v1/rules: $(ratio mlre/api/v1/rules prometheus/api/v1/rules)"
echo "ratio mlre /api/v1/alerts / prometheus /api/v1/alerts: $(ratio mlre/api/v1/alerts prometheus/api/v1/alerts)"

echo "== check: firing alerts, both servers started together"
start mlre; mpid=$pid
start prometheus; ppid=$pid
wait_ready "$MLRE_URL" "$mpid" "$work/mlre.log"
wait_ready "$PROM_URL" "$ppid" "$work/prometheus.log"
wait_evaluated "$MLRE_URL"
wait_evaluated "$PROM_URL"
ok=0
for i in 1 2 3 4; do
	f=$(firing "$MLRE_URL") && read -r mf mp <<<"$f"
	f=$(firing "$PROM_URL") && read -r pf pp <<<"$f"
	echo "firing/pending: mlre $mf/$mp, prometheus $pf/$pp"
	if [[ $mf == "$pf" && $mf != 0 ]]; then ok=1; break; fi
	sleep "$eval_s"
done
stop_pids "$mpid" "$ppid"
((ok)) || { echo "the firing alerts differ (or none fire)" >&2; exit 1; }
echo "ok: $mf firing alerts on both"
