#!/usr/bin/env bash
# The docs suite: what docs/ shows as rawops output is what rawops prints.
set -u
cd "$(dirname "$0")/../.."
exec tests/docs/abi_output.sh --check
