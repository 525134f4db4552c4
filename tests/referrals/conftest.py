"""Referral fixtures: on top of the registry's households (tests/registry/conftest.py), two
partner organisations with a service each, referral consent for the heads of household, and
email addresses for the people who are notified.

- `world.partner` (بنیاد امید, Kerman) offers `ref.service` (10 days to answer); its user is
  `world.partner_user`.
- `world.other_partner` (انجمن مهر, Kerman) offers `ref.other_service`; its user is `ref.other_partner_user`.
- `reg.head_a` (office A) and `reg.head_b` (office B) have consent for referral; `reg.child_a` has none.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from mahalleh.accounts.models import Role, User
from mahalleh.referrals import services
from mahalleh.referrals.models import Referral, Service
from mahalleh.registry import services as registry_services
from tests.api.conftest import (  # noqa: F401 — schema-checked API client
    api,
    openapi,
    session_api,
)
from tests.registry.conftest import reg  # noqa: F401 — fixture reused


def tr(msgid: str, **params) -> str:
    """A message as the Persian UI and the API (Persian by default) show it: the catalogue's
    translation of the msgid, with its parameters (lazy labels among them) rendered in Persian."""
    with translation.override("fa"):
        text = translation.gettext(msgid)
        return text % {key: str(value) for key, value in params.items()} if params else text


@pytest.fixture
def ref(world, reg):  # noqa: F811
    r = SimpleNamespace(world=world, reg=reg)
    r.service = Service.objects.create(partner=world.partner, name="سبد غذایی", answer_days=10)
    r.other_service = Service.objects.create(partner=world.other_partner, name="مشاوره", answer_days=5)
    r.other_partner_user = User.objects.create_user(
        username="partner2", password="correct-horse-9", role=Role.PARTNER_USER, partner=world.other_partner
    )
    for user in (world.partner_user, world.facilitator_a, world.manager_a, r.other_partner_user):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    on = timezone.localdate() - datetime.timedelta(days=30)
    for person, actor in ((reg.head_a, world.facilitator_a), (reg.head_b, world.facilitator_b)):
        registry_services.consent_record(
            actor=actor, person=person, purpose="referral", given=True, on=on, given_by=person.full_name
        )

    def refer(person=None, service=None, actor=None, **kwargs) -> Referral:
        return services.referral_create(
            actor=actor or world.facilitator_a,
            person=person or reg.head_a,
            service=service or r.service,
            reason=kwargs.pop("reason", "نیاز به سبد غذایی"),
            urgency=kwargs.pop("urgency", Referral.Urgency.NORMAL),
            **kwargs,
        )

    r.refer = refer
    return r


def move(referral: Referral, *statuses: str, actor=None, **kwargs) -> Referral:
    """Walk the referral through the statuses, as the side each step belongs to."""
    partner_user = User.objects.filter(role=Role.PARTNER_USER, partner_id=referral.partner_id).first()
    for status in statuses:
        who = actor or (referral.created_by if status == Referral.Status.CANCELLED else partner_user)
        extra = {}
        if status == Referral.Status.DECLINED:
            extra["note"] = "ظرفیت تکمیل است"
        if status == Referral.Status.COMPLETED:
            extra["outcome"] = Referral.Outcome.DELIVERED
        extra.update(kwargs)
        referral = services.referral_transition(actor=who, referral=referral, to_status=status, **extra)
    return referral
