"""Error reports to Sentry (or a compatible server such as GlitchTip) when SENTRY_DSN is set.

Residents' personal data must never leave the server: no request bodies, no cookies, no user
names; each report carries the request id so it can be matched with the JSON logs.
"""

from __future__ import annotations


def _scrub(event, hint):
    from mahalleh.core.logging import request_id_var

    request = event.get("request") or {}
    for key in ("data", "cookies", "query_string"):
        request.pop(key, None)
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in {"cookie", "authorization", "x-csrftoken"}:
            headers.pop(name)
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    event.setdefault("tags", {})["request_id"] = request_id_var.get()
    return event


def sentry_init(*, dsn: str, environment: str = "production", transport=None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    options = {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration()],
        # Nothing personal is sent: no PII by default, no request bodies, no local variables.
        "max_request_body_size": "never",
        "include_local_variables": False,  # locals may hold a resident's record
        "before_send": _scrub,
        "traces_sample_rate": 0.0,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
