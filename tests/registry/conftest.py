"""Registry fixtures: a few households in office A's and office B's neighbourhoods.

Everything is registered through the services, as a facilitator would, so the search keys,
the SQLite FTS table and the audit trail are exactly what the pages see in production.
"""

import datetime
from types import SimpleNamespace

import pytest

from mahalleh.core.national_code import make_national_code
from mahalleh.registry import services
from mahalleh.registry.models import HarmType, Person

CODE_HEAD_A = make_national_code("012345678")  # nine digits + the check digit
CODE_CHILD_A = make_national_code("023456789")
CODE_HEAD_B = make_national_code("034567891")
CODE_FREE = make_national_code("045678912")  # not registered by the fixture


def person_data(**overrides) -> dict:
    data = {
        "id_type": Person.IdType.NATIONAL_CODE,
        "national_code": CODE_FREE,
        "first_name": "زهرا",
        "last_name": "رحیمی",
        "father_name": "حسن",
        "sex": Person.Sex.FEMALE,
        "birth_date": datetime.date(1990, 1, 15),
        "relation": Person.Relation.SPOUSE,
        "nationality": Person.Nationality.IRANIAN,
        "disability": Person.Disability.NONE,
    }
    data.update(overrides)
    return data


@pytest.fixture
def reg(world):
    """world + household_a (office A: head محمدرضا احمدی, a child علی, a daughter with an
    Arabic-yeh name) and household_b (office B: head محمدرضا کریمی, same first name on purpose)."""
    r = SimpleNamespace(world=world)
    fa, fb = world.facilitator_a, world.facilitator_b
    r.household_a = services.household_create(
        actor=fa,
        neighbourhood=world.hood_a,
        address="کوچه ۵، پلاک ۱۲",
        phone="034-3222 1234",
        external_id="A-1",
    )
    r.head_a = services.person_create(
        actor=fa,
        household=r.household_a,
        **person_data(
            national_code=CODE_HEAD_A,
            first_name="محمدرضا",
            last_name="احمدی",
            father_name="علی",
            sex=Person.Sex.MALE,
            birth_date=datetime.date(1980, 3, 1),
            relation=Person.Relation.HEAD,
            mobile="09121234567",
            employment=Person.Employment.INFORMAL,
        ),
    )
    r.child_a = services.person_create(
        actor=fa,
        household=r.household_a,
        **person_data(
            national_code=CODE_CHILD_A,
            first_name="علی",
            last_name="احمدی",
            father_name="محمدرضا",
            sex=Person.Sex.MALE,
            birth_date=datetime.date(2015, 6, 1),
            relation=Person.Relation.CHILD,
            school_enrolled=True,
        ),
    )
    # Typed with an Arabic yeh (ي) and an Arabic kaf (ك), as people often do on Windows keyboards.
    r.daughter_a = services.person_create(
        actor=fa,
        household=r.household_a,
        **person_data(
            id_type=Person.IdType.NONE,
            national_code=None,
            first_name="مليكا",
            last_name="احمدی",
            birth_date=datetime.date(2010, 2, 2),
            relation=Person.Relation.CHILD,
        ),
    )
    r.household_a.refresh_from_db()
    r.household_b = services.household_create(actor=fb, neighbourhood=world.hood_b, address="خیابان اصلی")
    r.head_b = services.person_create(
        actor=fb,
        household=r.household_b,
        **person_data(
            national_code=CODE_HEAD_B,
            first_name="محمدرضا",
            last_name="کریمی",
            sex=Person.Sex.MALE,
            birth_date=datetime.date(1975, 5, 5),
            relation=Person.Relation.HEAD,
            mobile="09127654321",
        ),
    )
    r.household_b.refresh_from_db()
    r.addiction = HarmType.objects.get(code="addiction")
    r.child_labour = HarmType.objects.get(code="child_labour")
    return r


def office_drift() -> list[tuple]:
    """Households, residents and harm cases whose copied place differs from their household's neighbourhood's
    (empty when the denormalised office is right). Compared in Python so NULLs compare as equal."""
    from mahalleh.registry.models import Household

    bad = [
        ("household", pk, office, truth)
        for pk, office, truth in Household.objects.values_list("pk", "office_id", "neighbourhood__office_id")
        if office != truth
    ]
    rows = Person.objects.values_list(
        "pk",
        "neighbourhood_id",
        "office_id",
        "household__neighbourhood_id",
        "household__neighbourhood__office_id",
    )
    bad += [("person", pk, (n, o), (tn, to)) for pk, n, o, tn, to in rows if (n, o) != (tn, to)]
    from mahalleh.registry.models import HarmCase

    cases = HarmCase.objects.values_list("pk", "office_id", "person__office_id")
    bad += [("harm case", pk, office, truth) for pk, office, truth in cases if office != truth]
    return bad
