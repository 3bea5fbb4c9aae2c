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
