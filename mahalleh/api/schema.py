"""The error answers every operation really gives, written into the OpenAPI schema once.

drf-spectacular documents the success answers from the serializers; the errors come from the
exception handler (``mahalleh.api.errors``) and are the same everywhere, so a postprocessing
hook adds them: ``ValidationError`` for 400, ``Error`` for the others. The schema test client
and the schemathesis run then refuse any status an operation does not document.
"""

ERROR = {
    "type": "object",
    "description": "An error other than bad input, in the caller's language.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "Machine-readable, e.g. not_found, stale, throttled."},
    },
    "required": ["detail", "code"],
    "additionalProperties": False,
}

VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Bad input: each field that is wrong (an unknown one included) with its list of messages "
        "in the caller's language (an object for a nested field); `non_field_errors` for the body "
        "as a whole. A body that is not valid JSON answers `detail` and `code` (strings) instead."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {}},
            {"type": "object", "additionalProperties": {}},
            {"type": "string"},
        ]
    },
    "minProperties": 1,
}

DESCRIPTIONS = {
    "400": "Bad input: the messages per field.",
    "401": "No credentials, or a token that is not valid.",
    "403": "Your role may not do this.",
    "404": "No such record, or one outside your scope (in the path, the body or a filter).",
    "409": "The record changed since you read it (stale `version`); nothing was written.",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "429": "Too many requests: wait the seconds in `Retry-After`.",
}


def _response(status: str, name: str) -> dict:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document 400/401/403/404/415/429 where they happen."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ValidationError"] = VALIDATION_ERROR
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):  # the token endpoint has none: open to all, throttled
                responses.setdefault("401", _response("401", "Error"))
                responses.setdefault("403", _response("403", "Error"))
            else:
                responses.setdefault("429", _response("429", "Error"))
            responses.setdefault("400", _response("400", "ValidationError"))
            # 404: the record in the path, or a record named in the body or a filter, is not
            # in your scope (never "exists elsewhere").
            names_a_record = any(
                p.get("in") == "query" and p.get("schema", {}).get("type") == "integer"
                for p in operation.get("parameters", [])
            )
            if "{" in path or "requestBody" in operation or names_a_record:
                responses.setdefault("404", _response("404", "Error"))
            if "requestBody" in operation:
                responses.setdefault("415", _response("415", "Error"))
            if "409" in responses:
                responses["409"] = _response("409", "Error")
    return result


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def nullable_enums_list_null(result, generator, request, public):
    """drf-spectacular postprocessing hook: a nullable enum lists `null` among its values.

    OpenAPI 3.0.3 says `nullable` does not widen an `enum`; generated clients follow it (a
    nullable outcome without `null` in its enum made the generated client fail on every open
    referral), so the null is written out.
    """
    for node in _walk(result):
        if node.get("nullable") is True and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
    return result
