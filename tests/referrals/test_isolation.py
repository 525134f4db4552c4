"""Partner isolation: a partner user sees only their organisation's referrals, with the minimum
personal data, and nothing else of the registry — no other referral, person, household or page.
Office staff see only their scope's referrals."""

import json

import pytest

from mahalleh.core.persian import to_persian_digits
from mahalleh.referrals.models import Referral
from tests.referrals.conftest import move
from tests.registry.conftest import CODE_HEAD_A, CODE_HEAD_B

S = Referral.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def two(ref):
    """A referral of head_a to `partner` (ours), and of head_b to `other_partner` (theirs)."""
    ours = ref.refer(household=ref.reg.household_a, reason="نیاز به سبد غذایی و پوشاک")
    theirs = ref.refer(person=ref.reg.head_b, service=ref.other_service, actor=ref.world.facilitator_b)
    return ours, theirs


def html(response) -> str:
    return response.content.decode()


def test_partner_user_cannot_open_another_partners_referral(ref, two, login):
    ours, theirs = two
    client = login(ref.world.partner_user)
    assert client.get(f"/referrals/{ours.pk}/").status_code == 200
    assert client.get(f"/referrals/{theirs.pk}/").status_code == 404
    for action in ("accept", "decline", "start", "complete", "cancel"):
        assert client.post(f"/referrals/{theirs.pk}/{action}/", {"note": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.SENT


def test_partner_user_reaches_no_person_household_or_registry_page(ref, two, login):
    reg = ref.reg
    client = login(ref.world.partner_user)
    pages = [
        "/registry/",
        f"/registry/people/{reg.head_a.pk}/",  # referred to them
        f"/registry/people/{reg.child_a.pk}/",  # in the referred household, not referred
        f"/registry/people/{reg.head_b.pk}/",  # referred to another organisation
        f"/registry/households/{reg.household_a.pk}/",
        f"/registry/households/{reg.household_b.pk}/",
        f"/registry/people/{reg.head_a.pk}/edit/",
        f"/referrals/people/{reg.head_a.pk}/new/",
        "/referrals/stats/",
        "/referrals/partners/",
        f"/referrals/partners/{ref.world.partner.pk}/",
        f"/referrals/partners/{ref.world.other_partner.pk}/",
        "/registry/export/",
        "/places/neighbourhoods/",
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page


def test_partner_user_reaches_no_resident_through_the_api(ref, two, api):
    reg = ref.reg
    client = api(ref.world.partner_user)
    for path in (
        f"/api/v1/persons/{reg.head_a.pk}/",
        f"/api/v1/persons/{reg.child_a.pk}/",
        f"/api/v1/households/{reg.household_a.pk}/",
        f"/api/v1/partner-referrals/{two[1].pk}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/persons/").json()["results"] == []
    assert client.get("/api/v1/households/").json()["results"] == []
    assert (
        client.post(
            f"/api/v1/partner-referrals/{two[1].pk}/transition/", {"to_status": "accepted"}, format="json"
        ).status_code
        == 404
    )


def test_inbox_lists_only_their_referrals_with_the_minimum_personal_data(ref, two, login):
    ours, theirs = two
    reg = ref.reg
    page = html(login(ref.world.partner_user).get("/referrals/inbox/"))
    assert f"/referrals/{ours.pk}/" in page and f"/referrals/{theirs.pk}/" not in page
    assert reg.head_a.full_name in page
    assert reg.head_b.full_name not in page
    assert "نیاز به سبد غذایی" in page
    # Mobile in Persian digits; the age group, not the birth date.
    assert "۰۹۱۲۱۲۳۴۵۶۷" in page
    assert "بزرگسال" in page or "adult" in page
    for secret in (
        CODE_HEAD_A,
        to_persian_digits(CODE_HEAD_A),
        "کوچه ۵",
        "پلاک",
        "1980",
        "۱۹۸۰",
        "۱۳۵۸",
        "/registry/",
    ):
        assert secret not in page, secret
    assert reg.child_a.full_name not in page  # the household's other members


def test_partner_referral_page_shows_the_minimum_and_no_registry_data(ref, two, login):
    ours, _theirs = two
    reg = ref.reg
    page = html(login(ref.world.partner_user).get(f"/referrals/{ours.pk}/"))
    assert reg.head_a.full_name in page and "۰۹۱۲۱۲۳۴۵۶۷" in page
    for secret in (CODE_HEAD_A, "کوچه ۵", "۱۳۵۸", "/registry/", reg.child_a.full_name, reg.household_a.phone):
        assert secret not in page, secret
    assert 'data-testid="action-accept"' in page and 'data-testid="action-decline"' in page
    assert 'data-testid="action-cancel"' not in page


def test_referral_api_gives_a_partner_only_the_minimum_fields(ref, two, api):
    ours, _theirs = two
    client = api(ref.world.partner_user)
    listing = client.get("/api/v1/partner-referrals/")
    rows = listing.json()["results"]
    assert [r["id"] for r in rows] == [ours.pk]
    detail = client.get(f"/api/v1/partner-referrals/{ours.pk}/").json()
    for body in (rows[0], detail):
        assert body["person_name"] == ref.reg.head_a.full_name
        assert body["age_group"] == "adult"
        assert body["mobile"] == "09121234567"
        assert body["whole_household"] is True
        for key in ("person", "household", "national_code", "birth_date", "address", "office", "created_by"):
            assert key not in body
    text = json.dumps([rows, detail], ensure_ascii=False)
    for secret in (CODE_HEAD_A, CODE_HEAD_B, "کوچه ۵", "1980-03-01", ref.reg.child_a.full_name):
        assert secret not in text


def test_partner_sees_only_their_own_organisation_in_the_partner_api(ref, api):
    client = api(ref.world.partner_user)
    ids = [p["id"] for p in client.get("/api/v1/partners/").json()["results"]]
    assert ids == [ref.world.partner.pk]
    assert client.get(f"/api/v1/partners/{ref.world.other_partner.pk}/").status_code == 404
    services = [s["id"] for s in client.get("/api/v1/partner-services/").json()["results"]]
    assert services == [ref.service.pk]


def test_other_office_staff_cannot_see_the_referral(ref, two, login, api):
    ours, theirs = two
    client = login(ref.world.facilitator_b)
    assert client.get(f"/referrals/{ours.pk}/").status_code == 404
    assert client.get(f"/referrals/{theirs.pk}/").status_code == 200
    page = html(client.get("/referrals/"))
    assert f"/referrals/{ours.pk}/" not in page and f"/referrals/{theirs.pk}/" in page
    assert [r["id"] for r in api(ref.world.facilitator_b).get("/api/v1/referrals/").json()["results"]] == [
        theirs.pk
    ]


def test_coordinator_sees_the_provinces_referrals_and_another_province_none(ref, two, login):
    ours, theirs = two
    assert login(ref.world.coordinator).get(f"/referrals/{ours.pk}/").status_code == 200
    assert login(ref.world.coordinator_fars).get(f"/referrals/{ours.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["analyst", "pr_a"])
def test_aggregate_only_roles_see_no_referral(ref, two, login, api, role):
    user = getattr(ref.world, role)
    client = login(user)
    assert client.get("/referrals/").status_code == 404
    assert client.get(f"/referrals/{two[0].pk}/").status_code == 404
    assert client.get("/referrals/stats/").status_code == 404
    assert api(user).get("/api/v1/referrals/").json()["results"] == []


def test_a_partner_user_is_sent_to_the_inbox_and_staff_to_the_list(ref, login):
    assert login(ref.world.partner_user).get("/referrals/").url == "/referrals/inbox/"
    assert login(ref.world.facilitator_a).get("/referrals/inbox/").url == "/referrals/"
    assert login(ref.world.analyst).get("/referrals/inbox/").status_code == 404


def test_partner_overdue_list_is_theirs_only(ref, two, login):
    ours, theirs = two
    Referral.objects.update(due_on="2020-01-01")
    move(Referral.objects.get(pk=ours.pk), S.ACCEPTED)
    page = html(login(ref.world.partner_user).get("/referrals/inbox/?overdue=1"))
    assert f"/referrals/{ours.pk}/" in page and f"/referrals/{theirs.pk}/" not in page
