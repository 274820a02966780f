"""Keyfob's OpenAPI document, and checking a real response against it."""

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

DOCUMENT: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent.parent / "app" / "api" / "openapi.json").read_text()
)


def assert_matches(path: str, method: str, response: TestResponse) -> None:
    """Validate a real response against the document's schema for it."""
    operation = DOCUMENT["paths"][path][method]
    described = operation["responses"][str(response.status_code)]
    if "$ref" in described:
        described = DOCUMENT["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
    schema = described["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": DOCUMENT["components"]})
    validator.validate(response.get_json())
