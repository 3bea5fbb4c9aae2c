# Common tasks; each is a plain cargo command, so `just` is optional.

# Make the mirrors of the shipped sample city.
run:
    cargo run --release -- run

# The full test suite, as CI runs it.
test:
    cargo fmt --all --check
    cargo test --workspace --locked --release
    cargo clippy --workspace --all-targets --locked --release -- -D warnings

# Regenerate the shipped sample city (about 40 schools, 3 school years).
sample:
    cargo run --release -- sample-data --schools 40 --years 3 --seed 2026 --out sample-data

# Time and measure the sample run (see BENCHMARKS.md).
bench:
    cargo build --release
    /usr/bin/time -v target/release/mirror run

# Ingest of 10 million half-day registrations (800 schools, one year), from
# CSV and from Parquet: time and peak memory of `mirror check` (see BENCHMARKS.md).
bench-ingest:
    cargo build --release
    target/release/mirror sample-data --schools 800 --years 1 --seed 7 --out target/bench/parquet
    target/release/mirror sample-data --schools 800 --years 1 --seed 7 --csv-registrations --out target/bench/csv
    /usr/bin/time -f "parquet: %e s, peak %M KB" target/release/mirror check --data-dir target/bench/parquet --out-dir target/bench/out-parquet
    /usr/bin/time -f "csv: %e s, peak %M KB" target/release/mirror check --data-dir target/bench/csv --out-dir target/bench/out-csv

# Every metric for 300 schools over 3 school years (about 150,000 pupils a
# year, 10.7 million absence registrations): time per stage and peak memory
# of `mirror run` (see BENCHMARKS.md).
bench-metrics:
    cargo build --release
    rm -rf target/bench/scale target/bench/scale-out target/bench/scale-history
    target/release/mirror sample-data --schools 300 --years 3 --seed 5 --out target/bench/scale
    /usr/bin/time -f "run: %e s, peak %M KB" target/release/mirror run --config config/scale-benchmark.toml

# One school's mirror on request in the 300-school city of bench-metrics
# (run that first): the whole command, ingest to PDF.
bench-report:
    cargo build --release
    /usr/bin/time -f "report: %e s, peak %M KB" target/release/mirror report --config config/scale-benchmark.toml --school 100029

# The 300-school city of bench-metrics (run that first, which reads the
# sources and saves the city store) with a warm store: the yearly batch
# again, one school's mirror, and a follow-up.
bench-store:
    cargo build --release
    /usr/bin/time -f "warm batch: %e s, peak %M KB" target/release/mirror run --config config/scale-benchmark.toml
    /usr/bin/time -f "report: %e s, peak %M KB" target/release/mirror report --config config/scale-benchmark.toml --school 100029
    /usr/bin/time -f "follow-up: %e s, peak %M KB" target/release/mirror report --config config/scale-benchmark.toml --school 100029 --as-of 2026-03-15 --follow-up --issued-on 2026-03-16

# A region of 3,000 schools and 1 school year (about 1.5 million pupils, 39
# million absence registrations): time per stage and peak memory of the
# yearly batch (see BENCHMARKS.md).
bench-region:
    cargo build --release
    rm -rf target/bench/region target/bench/region-out target/bench/region-history
    target/release/mirror sample-data --schools 3000 --years 1 --seed 1 --out target/bench/region
    /usr/bin/time -f "run: %e s, peak %M KB" target/release/mirror run --config config/region-benchmark.toml

# A region of 12,000 schools and 1 school year (about 6 million pupils, 156
# million absence registrations; issue 18): the streaming generator's time
# and memory, then the yearly batch's per stage (see BENCHMARKS.md).
bench-region-12k:
    cargo build --release
    rm -rf target/bench/region12k target/bench/region12k-out target/bench/region12k-history
    /usr/bin/time -f "generate: %e s, peak %M KB" target/release/mirror sample-data --schools 12000 --years 1 --seed 1 --out target/bench/region12k
    /usr/bin/time -f "run: %e s, peak %M KB" target/release/mirror run --config config/region12k-benchmark.toml

# The in-process batch of the sample city against starting one process per
# report, as a scripted pipeline would (see BENCHMARKS.md).
bench-processes:
    cargo build --release
    /usr/bin/time -f "in-process batch: %e s" target/release/mirror run
    /usr/bin/time -f "a process per report: %e s" sh -c 'for id in $(tail -n +2 sample-data/registry.csv | cut -d, -f1); do target/release/mirror report --school "$id" > /dev/null || exit 1; done'

# The page images of docs/report-guide.md: the sample city's mirrors of an
# English and a Dutch school at 60 dpi (needs pdftoppm, Debian package
# poppler-utils).
report-guide:
    cargo run --release -- run
    rm -f docs/report-guide/*.png
    pdftoppm -png -r 60 out/2025-2026/schools/100173.pdf docs/report-guide/en
    pdftoppm -png -r 60 -f 1 -l 1 out/2025-2026/schools/100799.pdf docs/report-guide/nl
