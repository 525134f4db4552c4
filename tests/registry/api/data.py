"""A small registry built through the services: two households in office A, one in office B, one in Fars.

Office A also has a resident whose name is a spreadsheet formula, to prove exports neutralise it.
"""

import datetime

from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.core.national_code import make_national_code
from mahalleh.registry import services
from mahalleh.registry.models import HarmType, Person

# Seven or eight years old whenever the tests run: a child (0–11) for the age-group filter.
CHILD_BIRTH = datetime.date(timezone.localdate().year - 8, 1, 15)
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","click")'


class Registry:
    """The households, residents and cases of a test, as attributes."""


def person(actor, household, first, last, code, *, relation, sex="male", birth=None, **extra) -> Person:
    return services.person_create(
        actor=actor,
        household=household,
        first_name=first,
        last_name=last,
        national_code=make_national_code(code) if code is not None else None,
        id_type=Person.IdType.NATIONAL_CODE if code is not None else Person.IdType.NONE,
        sex=sex,
        relation=relation,
        birth_date=birth,
        **extra,
    )


def build(world) -> Registry:
    r = Registry()
    fa, fb = world.facilitator_a, world.facilitator_b
    r.child_labour = HarmType.objects.get(code="child_labour")
    r.addiction = HarmType.objects.get(code="addiction")

    # Office A: the Rezaei family (a child in child labour) and a household whose head's name is a formula.
    r.hh_a = services.household_create(
        actor=fa,
        neighbourhood=world.hood_a,
        address="کوچه بهار، پلاک ۳",
        phone="03432221111",
        tenure="rented",
    )
    r.head_a = person(fa, r.hh_a, "علی", "رضایی", 100000001, relation="head", birth=datetime.date(1980, 3, 1))
    r.child_a = person(
        fa, r.hh_a, "زهرا", "رضایی", 100000002, relation="child", sex="female", birth=CHILD_BIRTH
    )
    r.case_a = services.harm_case_open(
        actor=fa, person=r.child_a, harm_type=r.child_labour, identified_on=datetime.date(2024, 1, 15)
    )
    r.hh_a2 = services.household_create(actor=fa, neighbourhood=world.hood_a, address="کوچه نسترن")
    # The services refuse such a name now (core.names); a record stored before that rule, or written
    # by hand in the database, must still be exported safely.
    r.formula_a = person(fa, r.hh_a2, "فرمول", "نام", 100000003, relation="head", sex="female")
    Person.objects.filter(pk=r.formula_a.pk).update(first_name=FORMULA_NAME, last_name="-2+3")
    r.formula_a.refresh_from_db()

    # Office B (same province): the Karimi family.
    r.hh_b = services.household_create(actor=fb, neighbourhood=world.hood_b, address="خیابان یاس")
    r.head_b = person(fb, r.hh_b, "حسن", "کریمی", 200000001, relation="head", birth=datetime.date(1975, 1, 1))
    r.case_b = services.harm_case_open(
        actor=fb, person=r.head_b, harm_type=r.addiction, identified_on=datetime.date(2024, 2, 1)
    )

    # Office F (another province).
    ff = User.objects.create_user(
        username="facilitator_f", password="correct-horse-9", role=Role.FACILITATOR, office=world.office_f
    )
    r.facilitator_f = ff
    r.hh_f = services.household_create(actor=ff, neighbourhood=world.hood_f, address="شیراز")
    r.head_f = person(ff, r.hh_f, "رضا", "شیرازی", 300000001, relation="head")
    return r
