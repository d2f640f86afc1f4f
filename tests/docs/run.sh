#!/usr/bin/env bash
# The docs suite: what docs/ shows as rawops output is what rawops prints.
#  - the generated blocks of docs/abi.md are current (abi_output.sh --check);
#  - every example command in docs/cli.md runs, and its output holds each
#    `quoted` fragment of its comment (cli_examples.sh).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/docs/abi_output.sh --check
. tests/docs/cli_examples.sh
suite_end
