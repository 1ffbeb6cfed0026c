# Shared helpers for the bench/run-*.sh scripts. Source it after setting
# `work` (a scratch directory); it defines process bookkeeping with cleanup on
# exit, and small probes of servers and /proc.

# need TOOL...: exits unless every tool is on PATH.
need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
	done
}

pids=()
# stop_pids PID...: stops the processes and forgets them, so cleanup never
# signals a recycled PID.
stop_pids() {
	local p
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "$@"; do
		wait "$p" 2>/dev/null || true
	done
	local keep=() q
	for q in "${pids[@]}"; do
		[[ " $* " == *" $q "* ]] || keep+=("$q")
	done
	pids=("${keep[@]}")
}
cleanup() {
	stop_pids "${pids[@]}"
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_fg CMD...: runs CMD in the background and waits for it, so that a
# signal to this script is handled at once (bash defers traps until a
# foreground child exits) and cleanup can stop CMD too.
run_fg() {
	"$@" &
	local p=$! rc=0
	pids+=("$p")
	wait "$p" || rc=$?
	unset 'pids[-1]'
	return "$rc"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# ports_free HINT PORT...: exits unless every port is free.
ports_free() {
	local hint=$1 p
	shift
	for p in "$@"; do
		port_free "$p" || { echo "port $p is in use; set $hint" >&2; exit 1; }
	done
}

# qval URL QUERY: the value of a one-element instant vector.
qval() {
	curl -fsS "$1/api/v1/query" --data-urlencode "query=$2" |
		sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}
# wait_ready URL PID LOG: waits for URL/-/ready; on failure shows LOG.
wait_ready() {
	local i
	for i in $(seq 1 120); do
		curl -fsS -o /dev/null "$1/-/ready" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.5
	done
	echo "$1 did not become ready; last lines of $3:" >&2
	tail -n 5 "$3" >&2
	return 1
}
# cpu_ticks PID: utime+stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# print_env MLRE PROMETHEUS: the machine, the date and both servers' versions
# (with mlre's source revision, marked when the tree has uncommitted changes),
# for the record in bench/README.md.
print_env() {
	echo "== machine: $(nproc) CPUs, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "== date: $(date -u)"
	echo "== prometheus: $("$2" --version 2>&1 | head -n1)"
	local rev
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	[[ -n $(git status --porcelain -- cmd internal go.mod go.sum 2>/dev/null) ]] && rev="$rev+uncommitted changes"
	echo "== mlre: $("$1" version | head -n1), source $rev"
}
