"""Validates an OpenAPI document (JSON on stdin) against the OpenAPI 3.1 specification with
openapi-spec-validator; prints one line per error (nothing when valid)."""
import json
import sys

from openapi_spec_validator import OpenAPIV31SpecValidator

from referencing.exceptions import Unresolvable

document = json.load(sys.stdin)
try:
    for error in OpenAPIV31SpecValidator(document).iter_errors():
        path = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: {error.message}"[:500])
except Unresolvable as error:
    # The validator stops at a reference to nothing; say which.
    print(f"unresolvable reference: {str(error)[:200]}")
