"""Community group fixtures: office A's neighbourhood council with members, built through the services.

Builds on the registry fixture (`reg`: household_a with head محمدرضا احمدی and two children in
office A, household_b in office B) and adds two women of office A, so the groups have adults to
draw on. API tests get the schema-checking `api` client of tests/api/conftest.py.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from mahalleh.community import services
from mahalleh.community.models import CommunityGroup, Membership
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.api.conftest import api, openapi, session_api  # noqa: F401 — fixtures reused
from tests.registry.conftest import person_data, reg  # noqa: F401 — fixtures reused


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def tr(msgid: str, **params) -> str:
    """A message as the Persian UI and the API (Persian by default) show it: the msgid itself
    until the catalogue translates it, so these tests keep passing once it does."""
    with translation.override("fa"):
        text = translation.gettext(msgid)
    return text % params if params else text


def tr_messages(exc, field: str | None = None) -> list[str]:
    """The messages of a service's ValidationError (of one field), in Persian."""
    with translation.override("fa"):
        if field is None:
            return [str(m) for m in exc.messages]
        return [str(m) for m in exc.message_dict[field]]


@pytest.fixture
def com(reg):  # noqa: F811 — the registry fixture, imported above
    """reg + two women in household_a2 (office A), a council of office A (founded 200 days ago) with
    head_a as leader and zahra as member, and an empty football team of office B."""
    w = reg.world
    fa = w.facilitator_a
    c = SimpleNamespace(reg=reg, **vars(reg))
    c.household_a2 = registry_services.household_create(actor=fa, neighbourhood=w.hood_a, address="کوچه ۷")
    c.zahra = registry_services.person_create(
        actor=fa,
        household=c.household_a2,
        **person_data(relation=Person.Relation.HEAD, national_code=None, id_type=Person.IdType.NONE),
    )
    c.maryam = registry_services.person_create(
        actor=fa,
        household=c.household_a2,
        **person_data(
            first_name="مریم",
            national_code=None,
            id_type=Person.IdType.NONE,
            birth_date=datetime.date(1995, 4, 4),
            relation=Person.Relation.SIBLING,
        ),
    )
    c.council = services.group_create(
        actor=fa,
        name="شورای محلهٔ الف",
        kind=CommunityGroup.Kind.COUNCIL,
        founded_on=days_ago(200),
        neighbourhood=w.hood_a,
        description="نمایندگان ساکنان",
    )
    c.head_membership = services.member_add(
        actor=fa, group=c.council, person=reg.head_a, role=Membership.Role.LEADER, joined_on=days_ago(200)
    )
    c.zahra_membership = services.member_add(
        actor=fa, group=c.council, person=c.zahra, joined_on=days_ago(150)
    )
    c.team_b = services.group_create(
        actor=w.facilitator_b,
        name="تیم فوتبال ب",
        kind=CommunityGroup.Kind.SPORTS,
        founded_on=days_ago(100),
        neighbourhood=w.hood_b,
    )
    return c
