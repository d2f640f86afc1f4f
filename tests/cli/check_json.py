#!/usr/bin/env python3
"""Validates one JSON document on stdin against docs/schema/<name>.schema.json.

    rawops show --json | tests/cli/check_json.py show
    rawops dump X --json | tests/cli/check_json.py show:dump   # a $defs entry

NAME:DEF validates against $defs/DEF of NAME's schema, for commands whose
documents share definitions with another's.

Exit 0 when valid; otherwise prints the first violation with its JSON path
and exits 1. Used by the CLI tests for every --json output.
"""
import json
import os
import sys

import jsonschema


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: check_json.py SCHEMA_NAME < document.json", file=sys.stderr)
        return 3
    here = os.path.dirname(os.path.abspath(__file__))
    name, _, definition = sys.argv[1].partition(":")
    path = os.path.join(here, "..", "..", "docs", "schema", name + ".schema.json")
    with open(path) as f:
        schema = json.load(f)
    if definition:
        if definition not in schema.get("$defs", {}):
            print(f"check_json: {name} has no $defs/{definition}", file=sys.stderr)
            return 3
        # Refs inside the definition ("#/$defs/...") still resolve: same $defs.
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/" + definition}
    try:
        doc = json.load(sys.stdin)
    except json.JSONDecodeError as e:
        print(f"check_json: not JSON: {e}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        print(f"check_json: {sys.argv[1]}: at {where}: {e.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
