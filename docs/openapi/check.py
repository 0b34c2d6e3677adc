#!/usr/bin/env python3
"""Checks the committed OpenAPI description (Sources/MusrenbangServer/Public/openapi.json):

1. it is exactly what build_openapi.py writes (the script is the source of truth; nobody edits
   the JSON by hand);
2. openapi-spec-validator accepts it as OpenAPI 3.1;
3. the project's own rules: every operation has an operationId (unique), a summary, an explicit
   `security` (`[]` for public ones) and responses, and its path parameters match its template.

    python3 docs/openapi/check.py            # exit 0 when all hold, 1 otherwise (each problem printed)

Whether the document lists exactly the routes the router registers is checked in Swift, against
the router itself: Tests/ServerTests/OpenAPITests.swift.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_openapi  # noqa: E402  (the generator, imported to render the document again)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PARAM = re.compile(r"\{([^}/]+)\}")


def validate_document(document: dict) -> list[str]:
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return ["openapi-spec-validator is not installed (scripts/lib/install-deps.sh test installs it)"]
    try:
        validate(document)  # the 3.1 validator, chosen from `openapi: 3.1.0`
    except Exception as error:  # the validator raises its own OpenAPIValidationError subclasses
        return [f"openapi-spec-validator: {getattr(error, 'message', error)}"]
    return []


def resolve(document: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target: object = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]  # type: ignore[index]
        node = target  # type: ignore[assignment]
    return node


def lint_document(document: dict) -> list[str]:
    """What this project asks of every operation, beyond the specification."""
    problems = []
    if not str(document.get("openapi", "")).startswith("3.1"):
        problems.append(f"openapi is {document.get('openapi')!r}, expected 3.1.x")
    seen_ids: dict[str, str] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            problems.append(f"{path}: not under /api/v1")
        template_params = PARAM.findall(path)
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            op_id = operation.get("operationId")
            if not op_id:
                problems.append(f"{where}: no operationId")
            elif op_id in seen_ids:
                problems.append(f"{where}: operationId {op_id!r} also used by {seen_ids[op_id]}")
            else:
                seen_ids[op_id] = where
            if not operation.get("summary"):
                problems.append(f"{where}: no summary")
            if "security" not in operation:
                problems.append(f"{where}: no explicit security (use [] for public operations)")
            if not operation.get("responses"):
                problems.append(f"{where}: no responses")
            declared = [resolve(document, parameter).get("name")
                        for parameter in item.get("parameters", []) + operation.get("parameters", [])
                        if resolve(document, parameter).get("in") == "path"]
            if sorted(declared) != sorted(template_params):
                problems.append(f"{where}: path parameters {sorted(declared)} do not match the template {sorted(template_params)}")
    return problems


def main() -> int:
    path = build_openapi.OUTPUT
    try:
        committed = path.read_text(encoding="utf-8")
        document = json.loads(committed)
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: cannot read {path}: {error}", file=sys.stderr)
        return 1
    problems = []
    if committed != build_openapi.render():
        problems.append(f"{path.name} is not what build_openapi.py writes: run `python3 docs/openapi/build_openapi.py` "
                        "and commit both (never edit the JSON by hand)")
    validation = validate_document(document)
    print(f"{path.name}: OpenAPI {document.get('openapi')} — " + ("valid" if not validation else "INVALID"))
    problems += validation + lint_document(document)
    operations = sum(1 for item in document.get("paths", {}).values() for method in item if method in HTTP_METHODS)
    print(f"{operations} operations on {len(document.get('paths', {}))} paths, "
          f"{len(document.get('components', {}).get('schemas', {}))} schemas")
    for problem in problems:
        print(f"  ✗ {problem}")
    print("OK" if not problems else f"FAILED: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
