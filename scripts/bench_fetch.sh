#!/usr/bin/env bash
# The fetch benchmark of docs/PERFORMANCE.md: `recon run` end to end (fetch +
# archive + reconcile + history + report) against the built-in sandbox serving a
# generated workload over loopback.
#
#   scripts/bench_fetch.sh                 # 1,000,000 orders unlimited; 300,000 at 50 req/s
#   ORDERS=100000 RATE_ORDERS=60000 RATE=20 scripts/bench_fetch.sh
#
# Prints the wall time and peak RSS of the unlimited run, then for the rate-limited
# one the requests served, the achieved rate against the configured one, and how
# many requests the sandbox refused for going too fast (it refuses more than
# RATE requests within any one-second window).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ORDERS=${ORDERS:-1000000}
RATE_ORDERS=${RATE_ORDERS:-300000}
RATE=${RATE:-50}
DATA=$ROOT/bench-data/fetch
PORT=${PORT:-18089}

echo "== building recon (release)" >&2
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/recon
export RECON_BENCH_USERNAME=huadian_demo RECON_BENCH_PASSWORD=s3cret

generate() { # orders → folder
    local dir=$DATA/sandbox-$1
    if [ ! -f "$dir/.generated" ]; then
        rm -rf "$dir"
        mkdir -p "$DATA"
        "$BIN" sandbox --generate "$dir" --orders "$1" --layout sandbox >/dev/null 2>&1
        touch "$dir/.generated"
    fi
    echo "$dir"
}

SANDBOX_PID=
stop_sandbox() {
    if [ -n "$SANDBOX_PID" ]; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
    fi
    SANDBOX_PID=
}
trap stop_sandbox EXIT

start_sandbox() { # folder, extra flags...
    local dir=$1
    shift
    "$BIN" sandbox --addr "127.0.0.1:$PORT" --data "$dir" "$@" >"$DATA/sandbox.log" 2>&1 &
    SANDBOX_PID=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$PORT/_sandbox/stats" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "the sandbox did not start; see $DATA/sandbox.log" >&2
    exit 1
}

config() { # folder, rate → a fresh work folder with recon.toml
    local work=$DATA/work-$2
    rm -rf "$work"
    mkdir -p "$work"
    cat >"$work/recon.toml" <<EOF
[database]
url = "sqlite://$work/recon.db"
[ledger]
path = "$1/ledger.csv"
[report]
dir = "$work/reports"
language = "en"
matched = false
[archive]
dir = "$work/archive"
[vendors.huadian]
base_url = "http://127.0.0.1:$PORT/huadian"
username_env = "RECON_BENCH_USERNAME"
password_env = "RECON_BENCH_PASSWORD"
packages = false
rate_per_sec = $2
max_concurrency = 8
timeout_secs = 30
EOF
    echo "$work"
}

run() { # work folder → "wall_seconds peak_kib fetch_seconds"
    local work=$1
    /usr/bin/env RECON_LOG=info python3 - "$BIN" "$work" <<'EOF'
import re, resource, subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
t = time.perf_counter()
p = subprocess.run([binary, "run", "--from", "2026-01-01", "--to", "2026-12-31",
                    "--config", f"{work}/recon.toml"], capture_output=True, text=True)
wall = time.perf_counter() - t
open(f"{work}/run.log", "w").write(p.stderr)
if p.returncode != 0:
    sys.exit(f"recon run exited {p.returncode}; see {work}/run.log")
ledger = re.search(r"ledger read .*?elapsed=([0-9.]+)(m?s)", p.stderr)
fetched = re.search(r"fetched and archived elapsed=([0-9.]+)(m?s)", p.stderr)
secs = lambda m: float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{wall:.2f} {rss} {secs(fetched) - secs(ledger):.2f}")
EOF
}

echo "== $ORDERS orders, no rate limit" >&2
dir=$(generate "$ORDERS")
start_sandbox "$dir"
work=$(config "$dir" 0)
read -r wall rss fetch <<<"$(run "$work")"
stop_sandbox
printf 'unlimited: %s orders, %s statements: recon run %s s end to end (fetch + archive %s s), peak RSS %s MiB\n' \
    "$ORDERS" "$(ls "$dir/huadian/statements" | wc -l)" "$wall" "$fetch" "$((rss / 1024))"

echo "== $RATE_ORDERS orders at $RATE requests/s (sandbox refuses over $RATE/s)" >&2
dir=$(generate "$RATE_ORDERS")
start_sandbox "$dir" --max-rps "$RATE"
work=$(config "$dir" "$RATE")
read -r wall rss fetch <<<"$(run "$work")"
stats=$(curl -s "http://127.0.0.1:$PORT/_sandbox/stats")
stop_sandbox
python3 - "$stats" "$fetch" "$RATE" <<'EOF'
import json, sys
s, fetch, rate = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
n = s["requests"]
print(f"rate {rate:.0f}/s: {n} requests in {fetch:.1f} s = {n / fetch:.1f}/s "
      f"({100 * n / fetch / rate:.1f}% of the limit), refused as too fast: {s['too_fast']}")
EOF
