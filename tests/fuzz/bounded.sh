#!/usr/bin/env bash
# make test's bounded fuzz pass: tests/fuzz/run.sh with FUZZ_SECONDS (15 by
# default) for each fuzzer, so CI replays the grown corpus and mutates it a
# little on every run; `make fuzz` runs longer.
set -u
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-15} exec tests/fuzz/run.sh
