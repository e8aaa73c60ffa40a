#!/usr/bin/env python3
"""Checks JSON answers against the schemas the service's own OpenAPI document gives for them,
with an independent JSON Schema validator (PyPI `jsonschema`, draft 2020-12, which OpenAPI
3.1 schemas are).

Usage: python3 tests/tiles_schema.py < input.json
Input:  {"document": <the OpenAPI document>, "instances": [{"schema": "TileJson", "value": ...}, ...]}
Output: {"errors": [["<path>: <message>", ...], ...]}, one list per instance (empty: valid).

Run by tests/tiles.rs with jsonschema 4.26.0 (tests/requirements.txt).
"""

import json
import sys

from jsonschema import Draft202012Validator


def main():
    data = json.load(sys.stdin)
    document = data["document"]
    errors = []
    for instance in data["instances"]:
        # The document is the root, so the components' own `$ref`s resolve within it.
        root = dict(document, **{"$ref": "#/components/schemas/" + instance["schema"]})
        validator = Draft202012Validator(root)
        found = validator.iter_errors(instance["value"])
        errors.append(["/".join(map(str, e.absolute_path)) + ": " + e.message for e in found])
    json.dump({"errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
