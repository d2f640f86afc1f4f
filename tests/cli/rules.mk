# The CLI on crafted looping BTF (issue 13), a suite of its own beside
# tests/cli/run.sh: reads files only, no kernel.
SUITES += tests/cli/crafted_btf.sh
