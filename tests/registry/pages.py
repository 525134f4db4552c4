"""Helpers of the registry page tests: reading a page as its user sees it, the forms' POST data."""

import datetime
import re

from django.urls import reverse
from django.utils import translation

from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits
from mahalleh.core.services import version_token
from mahalleh.registry.models import Person
from tests.registry.conftest import CODE_FREE

ZWNJ = "\u200c"


def section(html: str, testid: str) -> str:
    """The HTML of the element with this data-testid (its tag included), or "" when absent."""
    marker = f'data-testid="{testid}"'
    at = html.find(marker)
    if at < 0:
        return ""
    start = html.rfind("<", 0, at)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, pos = 0, start
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    for m in pattern.finditer(html, start):
        depth += -1 if m.group(1) else 1
        pos = m.end()
        if depth == 0:
            break
    return html[start:pos]


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def persian(msgid: str) -> str:
    """A UI string as the Persian page shows it (the msgid itself until it is translated)."""
    with translation.override("fa"):
        return translation.gettext(msgid)


def jalali(d: datetime.date) -> str:
    return format_jalali(d, persian_digits=True)


def url(name, *args) -> str:
    return reverse(f"registry:{name}", args=args)


LIST = url("household_list")
STALE_MSGID = (
    "Someone else changed this record after you opened it. "
    "Your changes were not saved: reload the page and make them again."
)


def household_post(world, **overrides) -> dict:
    data = {
        "neighbourhood": world.hood_a.pk,
        "address": "کوچه گلستان",
        "phone": "",
        "tenure": "rented",
        "income_band": "low",
        "external_id": "",
        "id_type": "national_code",
        "national_code": to_persian_digits(CODE_FREE),
        "document_number": "",
        "first_name": "فاطمه",
        "last_name": "کاظمی",
        "father_name": "",
        "sex": "female",
        "birth_date": "۱۳۶۵/۰۴/۱۲",
        "nationality": "iranian",
        "education": "",
        "school_enrolled": "unknown",
        "employment": "",
        "disability": "none",
        "insurance": "",
        "mobile": "۰۹۱۳ ۱۱۱ ۲۲۳۳",
    }
    data.update(overrides)
    return data


def person_post(person: Person, **overrides) -> dict:
    data = {
        "id_type": person.id_type,
        "national_code": person.national_code or "",
        "document_number": person.document_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "father_name": person.father_name,
        "sex": person.sex,
        "birth_date": jalali(person.birth_date) if person.birth_date else "",
        "relation": person.relation,
        "nationality": person.nationality,
        "education": person.education,
        "school_enrolled": "unknown",
        "employment": person.employment,
        "disability": person.disability,
        "insurance": person.insurance,
        "mobile": person.mobile,
        "version": version_token(person),
    }
    data.update(overrides)
    return data
