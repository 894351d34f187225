#!/usr/bin/env bash
# recon against DuckDB on the generated huadian workload (docs/PERFORMANCE.md).
#
#   scripts/bench.sh [SIZES...]        default: 100000 1000000 (orders)
#
# Builds recon in release, makes .venv with DuckDB from pip, generates each size
# into bench-data/<n> (`recon sandbox --generate`, kept for later runs of the same
# seed), then runs `recon reconcile` and scripts/bench_duckdb.py alternately on the
# same files, BENCH_ROUNDS times (default 3), checks that both report the same
# discrepancies as the generator injected, and prints wall time and peak RSS.
#
# Environment: BENCH_ROUNDS (3), BENCH_SEED (1), BENCH_READER (text: DuckDB's
# read_text + json_transform; json: read_json), DUCKDB_VERSION (a pip version
# spec, e.g. "==1.4.1"; default the latest), CARGO_TARGET_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(100000 1000000); fi
ROUNDS=${BENCH_ROUNDS:-3}
SEED=${BENCH_SEED:-1}
READER=${BENCH_READER:-text}
FROM=2026-01-01
TO=2026-12-31
DATA=$ROOT/bench-data

echo "== building recon (release)" >&2
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/recon

if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv" >&2
    python3 -m venv .venv
fi
if ! .venv/bin/python -c "import duckdb" 2>/dev/null; then
    echo "== pip install duckdb${DUCKDB_VERSION:-}" >&2
    .venv/bin/pip install --quiet "duckdb${DUCKDB_VERSION:-}"
fi
PY=$ROOT/.venv/bin/python
DUCKDB_V=$($PY -c "import duckdb; print(duckdb.__version__)")

mkdir -p "$DATA"
cat > "$DATA/recon.toml" <<EOF
# recon's settings for the benchmark: English headers, no matched-lines sheet
# (DuckDB does not write the matched lines either).
[report]
language = "en"
matched = false
EOF

# measure NAME CMD...: runs CMD (stdout and stderr to NAME.log), writes
# "<wall seconds> <peak RSS KiB> <CPU seconds, user + system>" to NAME.time.
measure() {
    local out=$1
    shift
    "$PY" - "$out" "$@" <<'EOF'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
with open(out + ".log", "w") as log:
    t = time.perf_counter()
    rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - t
# The only child waited for: its peak resident set (KiB on Linux) and CPU time.
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
if rc != 0:
    sys.exit(f"{' '.join(cmd)} exited {rc}; see {out}.log")
open(out + ".time", "w").write(f"{wall:.3f} {rss} {cpu:.3f}\n")
EOF
}

# warm DIR: reads the inputs once, so that every run starts from the page cache
# (the kernel may reclaim it between runs; disk speed is not what is compared).
warm() {
    find "$1/huadian" -name '*.json' -print0 | xargs -0 cat > /dev/null
    cat "$1/ledger.csv" > /dev/null
}

# keys CSV: sorted code,statement_no,order_no of a report or expected.csv.
keys() {
    "$PY" - "$1" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = {(r["code"], r["statement_no"], r["order_no"]) for r in csv.DictReader(f)}
for r in sorted(rows):
    print(",".join(r))
EOF
}

# stats FILE...: best and median wall, max peak RSS (MiB), best CPU seconds.
stats() {
    "$PY" - "$@" <<'EOF'
import statistics, sys
walls, rss, cpu = [], [], []
for p in sys.argv[1:]:
    w, r, c = open(p).read().split()
    walls.append(float(w)); rss.append(int(r)); cpu.append(float(c))
print(f"{min(walls):.2f} {statistics.median(walls):.2f} {max(rss) / 1024:.0f} {min(cpu):.2f}")
EOF
}

TABLE=()
for n in "${SIZES[@]}"; do
    dir=$DATA/$n
    stamp="seed=$SEED generator=$(sha256sum src/sandbox/generate.rs | cut -c1-16)"
    if [ ! -f "$dir/.generated" ] || [ "$(cat "$dir/.generated")" != "$stamp" ]; then
        rm -rf "$dir"
        echo "== generating $n orders into $dir" >&2
        "$BIN" sandbox --generate "$dir" --orders "$n" --seed "$SEED" >/dev/null
        echo "$stamp" > "$dir/.generated"
    fi
    runs=$dir/runs
    rm -rf "$runs"
    mkdir -p "$runs"
    for r in $(seq 1 "$ROUNDS"); do
        echo "== $n orders, round $r/$ROUNDS: recon" >&2
        rm -rf "$runs/recon-out"
        warm "$dir"
        measure "$runs/recon.$r" "$BIN" reconcile --archive "$dir" --ledger "$dir/ledger.csv" \
            --from $FROM --to $TO --out "$runs/recon-out" --config "$DATA/recon.toml"
        echo "== $n orders, round $r/$ROUNDS: duckdb" >&2
        rm -f "$runs/duckdb.csv"
        warm "$dir"
        measure "$runs/duckdb.$r" "$PY" "$ROOT/scripts/bench_duckdb.py" "$dir" "$dir/ledger.csv" \
            "$runs/duckdb.csv" --to $TO --reader "$READER" --threads 2
    done
    keys "$dir/expected.csv" > "$runs/expected.keys"
    keys "$runs/recon-out/discrepancies.csv" > "$runs/recon.keys"
    keys "$runs/duckdb.csv" > "$runs/duckdb.keys"
    if ! cmp -s "$runs/recon.keys" "$runs/duckdb.keys"; then
        echo "MISMATCH at $n orders: recon and DuckDB disagree" >&2
        diff "$runs/recon.keys" "$runs/duckdb.keys" | head -20 >&2
        exit 1
    fi
    if ! cmp -s "$runs/recon.keys" "$runs/expected.keys"; then
        echo "MISMATCH at $n orders: both differ from expected.csv" >&2
        diff "$runs/expected.keys" "$runs/recon.keys" | head -20 >&2
        exit 1
    fi
    count=$(wc -l < "$runs/recon.keys")
    r_stats=$(stats "$runs"/recon.*.time)
    d_stats=$(stats "$runs"/duckdb.*.time)
    read -r r_best r_med r_rss r_cpu <<< "$r_stats"
    read -r d_best d_med d_rss d_cpu <<< "$d_stats"
    ratios=$("$PY" -c "print(f'{$r_best / $d_best:.2f} {$r_rss / $d_rss:.2f}')")
    read -r x_wall x_rss <<< "$ratios"
    TABLE+=("$(printf '%9s %6s | %6s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s' \
        "$n" "$count" "$r_best" "$r_med" "$r_cpu" "$r_rss" "$d_best" "$d_med" "$d_cpu" "$d_rss" \
        "$x_wall" "$x_rss")")
done

echo
echo "recon $($BIN --version | awk '{print $2}') vs DuckDB $DUCKDB_V ($READER reader), $ROUNDS rounds, $(nproc) cores"
echo "wall seconds (best, median), CPU seconds (best, user + system), peak RSS MiB (max);"
echo "ratio = recon / DuckDB (best wall, peak RSS)"
printf '%9s %6s | %27s | %27s | %13s\n' "" "" "recon" "DuckDB" "recon/DuckDB"
printf '%9s %6s | %6s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s\n' orders found best median cpu MiB \
    best median cpu MiB wall RSS
for row in "${TABLE[@]}"; do echo "$row"; done
echo "both found the same discrepancies as expected.csv at every size"
