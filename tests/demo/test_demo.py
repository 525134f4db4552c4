"""The demo registry: `mahalleh demo` fills the ten target neighbourhoods and samples the comparison ones.

The full demo is loaded once for the module (inside a transaction rolled back at the end), and each
test reads it inside its own savepoint.
"""

import datetime
import random
import re
from collections import Counter, defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from faker import Faker

from mahalleh.accounts.models import Role, User
from mahalleh.core.national_code import is_valid_national_code
from mahalleh.demo import loader
from mahalleh.demo.registry import SEARCH_DEMO_NAMES, load_registry, plan_registry
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import selectors
from mahalleh.indicators.models import Fact, Indicator, ManualValue, Plan, Target
from mahalleh.registry import search, services
from mahalleh.registry.models import (
    Assessment,
    Consent,
    HarmCase,
    HarmCaseEvent,
    HarmType,
    Household,
    Person,
)
from mahalleh.registry.selectors import person_search

pytestmark = pytest.mark.django_db

P = Person


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        assert loader.load() is True
        yield
        transaction.set_rollback(True)


def age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(scope="module")
def households_with_members(demo, django_db_blocker):
    """{household: [members]} for every demo household, read once in one query (tests only read it)."""
    with django_db_blocker.unblock():
        households = Household.objects.select_related("neighbourhood").in_bulk()
        by_household = {h: [] for h in households.values()}
        for p in Person.objects.order_by("household_id", "pk"):
            by_household[households[p.household_id]].append(p)
    return by_household


def counts():
    return (
        Household.objects.count(),
        Person.objects.count(),
        HarmCase.objects.count(),
        HarmCaseEvent.objects.count(),
        Consent.objects.count(),
        Assessment.objects.count(),
    )


def test_loading_again_changes_nothing():
    before = counts()
    assert loader.load() is False
    assert load_registry() == {}
    assert counts() == before


def test_counts_are_in_the_target_ranges():
    target = Household.objects.filter(neighbourhood__kind=Neighbourhood.Kind.TARGET)
    assert 2700 <= target.count() <= 3300
    assert 10_200 <= Person.objects.filter(household__in=target).count() <= 13_800
    per_target = target.values("neighbourhood").annotate(n=Count("id"))
    assert len(per_target) == 10
    assert all(row["n"] >= 100 for row in per_target)
    comparison = Neighbourhood.objects.filter(kind=Neighbourhood.Kind.COMPARISON).annotate(
        n=Count("households")
    )
    assert len(comparison) == 5
    assert all(120 <= n.n <= 180 for n in comparison)
    assert Person.objects.filter(household__neighbourhood__kind=Neighbourhood.Kind.COMPARISON).count() > 400
    # Every seeded harm appears in the target neighbourhoods, and most households were assessed.
    harms = set(
        HarmCase.objects.filter(person__household__in=target)
        .values_list("harm_type__code", flat=True)
        .distinct()
    )
    assert harms == set(HarmType.objects.values_list("code", flat=True))
    assert Assessment.objects.values("household").distinct().count() >= 0.7 * target.count()


def test_household_sizes_heads_and_people_look_real(households_with_members):
    sizes = [len(members) for members in households_with_members.values()]
    assert min(sizes) == 1 and max(sizes) == 9
    assert 3.6 <= sum(sizes) / len(sizes) <= 4.4
    heads = [
        p for members in households_with_members.values() for p in members if p.relation == P.Relation.HEAD
    ]
    assert 0.15 <= sum(p.sex == "female" for p in heads) / len(heads) <= 0.25
    persons = [p for members in households_with_members.values() for p in members]
    foreign = sum(p.nationality != P.Nationality.IRANIAN for p in persons) / len(persons)
    assert 0.18 <= foreign <= 0.32
    id_types = Counter(p.id_type for p in persons)
    assert id_types[P.IdType.NONE] > 500 and id_types[P.IdType.FOREIGN_ID] > 500
    disabled = sum(p.disability != P.Disability.NONE for p in persons) / len(persons)
    assert 0.02 <= disabled <= 0.07
    assert Counter(h.income_band for h in households_with_members).most_common(1)[0][0] in {"very_low", "low"}


def test_each_household_has_exactly_one_head(households_with_members):
    for household, members in households_with_members.items():
        heads = [p for p in members if p.relation == P.Relation.HEAD]
        assert len(heads) == 1, household.pk
        assert household.head_id == heads[0].pk
        assert heads[0].status == P.Status.ACTIVE
    assert not Household.objects.filter(head=None).exists()


def test_national_codes_are_valid_and_unique_and_documents_match_the_id_type():
    rows = list(Person.objects.values_list("id_type", "national_code", "document_number", "nationality"))
    codes = [code for _t, code, _d, _n in rows if code]
    assert len(codes) > 8000
    assert len(codes) == len(set(codes))
    assert all(is_valid_national_code(code) and len(code) == 10 for code in codes)
    documents = [doc for _t, _c, doc, _n in rows if doc]
    assert len(documents) == len(set(documents))
    for id_type, code, document, nationality in rows:
        assert bool(code) == (id_type == P.IdType.NATIONAL_CODE)
        if id_type in {P.IdType.FOREIGN_ID, P.IdType.PASSPORT}:
            assert document and nationality != P.Nationality.IRANIAN
        if id_type == P.IdType.NONE:
            assert not document


def test_mobiles_are_normalised_and_mostly_unique():
    mobiles = list(Person.objects.exclude(mobile="").values_list("mobile", flat=True))
    adults = Person.objects.filter(birth_date__lte=timezone.localdate() - datetime.timedelta(days=18 * 366))
    assert len(mobiles) >= 0.6 * adults.count()
    assert all(re.fullmatch(r"09\d{9}", m) for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)


def test_ages_fit_the_relations(households_with_members, today):
    for household, members in households_with_members.items():
        ages = {p.pk: age(p.birth_date, today) for p in members}
        head = next(p for p in members if p.relation == P.Relation.HEAD)
        parents = [head] + [p for p in members if p.relation == P.Relation.SPOUSE]
        assert ages[head.pk] >= 18
        for p in members:
            a = ages[p.pk]
            assert 0 <= a <= 100
            if p.relation == P.Relation.SPOUSE:
                assert a >= 15
            if p.relation == P.Relation.CHILD:
                for parent in parents:
                    assert 18 <= ages[parent.pk] - a <= 40, (household.pk, p.pk)
                if head.sex == "male":
                    assert p.father_name == head.first_name
                    assert p.last_name == head.last_name
            if p.relation == P.Relation.GRANDCHILD:
                assert ages[head.pk] - a >= 36
            if p.relation == P.Relation.PARENT:
                assert a - ages[head.pk] >= 18


def test_schooling_and_work_fit_the_age(households_with_members, today):
    school_age = enrolled = 0
    for members in households_with_members.values():
        for p in members:
            a = age(p.birth_date, today)
            if 6 <= a <= 18:
                school_age += 1
                enrolled += bool(p.school_enrolled)
                assert p.school_enrolled is not None
            else:
                assert p.school_enrolled is None
            if p.school_enrolled:
                assert p.employment == P.Employment.STUDENT
            if a < 6:
                assert p.education == "" and p.employment == P.Employment.CHILD
            if p.employment == P.Employment.CHILD:
                assert a < 15
            if p.employment in {P.Employment.RETIRED, P.Employment.HOMEMAKER, P.Employment.UNEMPLOYED}:
                assert a >= 15
            if p.education in {P.Education.BACHELOR, P.Education.HIGHER}:
                assert a >= 22
    assert 0.8 <= enrolled / school_age <= 0.9
    # Youth unemployment is high.
    youth = Person.objects.filter(
        sex="male",
        birth_date__gt=today - datetime.timedelta(days=30 * 365),
        birth_date__lte=today - datetime.timedelta(days=18 * 366),
    )
    labour = youth.exclude(employment__in=["student", "unable", "homemaker", "retired"])
    assert labour.filter(employment="unemployed").count() / labour.count() >= 0.2


def test_search_keys_are_filled_as_the_services_fill_them(households_with_members):
    for household, members in households_with_members.items():
        for p in members:
            assert p.search_key == search.person_key(
                first_name=p.first_name, last_name=p.last_name, father_name=p.father_name
            )
        head = next(p for p in members if p.pk == household.head_id)
        assert household.search_key == services._household_key(
            Household(head=head, address=household.address)
        )
        assert household.neighbourhood.name_fa in household.address


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_the_fts_table_has_one_row_per_person():
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {search.FTS_TABLE}")  # noqa: S608
        (rows,) = cur.fetchone()
        cur.execute(
            f"SELECT count(*) FROM {search.FTS_TABLE} f JOIN registry_person p "  # noqa: S608
            "ON p.id = f.rowid AND p.search_key = f.search_key"
        )
        (matching,) = cur.fetchone()
    assert rows == matching == Person.objects.count()


def test_harm_case_histories_follow_the_allowed_steps(today):
    events = defaultdict(list)
    for e in HarmCaseEvent.objects.select_related("by").order_by("on", "pk"):
        events[e.case_id].append(e)
    cases = HarmCase.objects.select_related("person__household__neighbourhood", "harm_type")
    statuses = Counter()
    for case in cases:
        chain = events[case.pk]
        assert chain[0].from_status == "" and chain[0].to_status == HarmCase.Status.IDENTIFIED
        assert chain[0].on == case.identified_on
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in services.HARM_TRANSITIONS[before.to_status]
            assert before.on <= after.on
        assert chain[-1].on <= today
        assert case.status == chain[-1].to_status
        household = case.person.household
        assert case.identified_on >= household.created_at.date() - datetime.timedelta(days=1)
        if household.neighbourhood.kind == Neighbourhood.Kind.COMPARISON:
            assert len(chain) == 1
        else:
            statuses[case.status] += 1
        for e in chain:
            assert e.by.role == Role.FACILITATOR
            if household.neighbourhood.office_id:
                assert e.by.office_id == household.neighbourhood.office_id
        if case.harm_type.code == "child_labour" and case.status != HarmCase.Status.RESOLVED:
            assert 8 <= age(case.person.birth_date, today) <= 17 and case.person.school_enrolled is False
        if case.harm_type.code == "addiction":
            assert case.person.sex == "male" and age(case.person.birth_date, today) >= 18
    assert all(statuses[s] > 0 for s in HarmCase.Status.values)
    oldest = min(e.on for chain in events.values() for e in chain)
    assert oldest >= today - datetime.timedelta(days=2 * 366)


def test_people_in_care_gave_referral_consent_first():
    consents = defaultdict(list)
    for c in Consent.objects.all():
        consents[c.person_id].append(c)
    in_care = HarmCaseEvent.objects.filter(to_status=HarmCase.Status.IN_CARE).select_related("case")
    for event in in_care:
        given = [
            c for c in consents[event.case.person_id] if c.purpose == Consent.Purpose.REFERRAL and c.given
        ]
        assert given and min(c.on for c in given) <= event.on
    heads = Household.objects.filter(neighbourhood__kind=Neighbourhood.Kind.TARGET).values_list(
        "head_id", flat=True
    )
    registry = Consent.objects.filter(person_id__in=heads, purpose=Consent.Purpose.REGISTRY, given=True)
    assert registry.count() >= 0.9 * len(heads)
    assert Consent.objects.filter(given=False).exists()
    assert Consent.objects.filter(purpose=Consent.Purpose.PHOTOS).exists()


def test_assessment_scores_and_vulnerability():
    latest = {}
    assessments = list(Assessment.objects.order_by("on", "pk"))
    for i, a in enumerate(assessments):
        latest[a.household_id] = a.score
        if i % 40 == 0:
            assert a.score == services.assessment_score(a.answers)
    households = Household.objects.in_bulk(list(latest))
    assert all(households[pk].vulnerability == score for pk, score in latest.items())
    assert not Household.objects.exclude(pk__in=list(latest)).exclude(vulnerability=None).exists()
    assert not Assessment.objects.filter(
        household__neighbourhood__kind=Neighbourhood.Kind.COMPARISON
    ).exists()
    scores = [a.score for a in assessments]
    assert min(scores) < 15 and max(scores) > 60


def test_records_are_made_by_the_office_facilitators():
    rows = Household.objects.filter(neighbourhood__kind=Neighbourhood.Kind.TARGET).values_list(
        "neighbourhood__office_id", "created_by__office_id", "created_by__role"
    )
    assert all(office == creator_office and role == Role.FACILITATOR for office, creator_office, role in rows)
    now = timezone.now()
    created = list(Person.objects.values_list("created_at", "birth_date"))
    assert max(at for at, _birth in created) <= now
    assert min(at for at, _birth in created) >= now - datetime.timedelta(days=2 * 366)
    assert all(timezone.localdate(at) >= birth for at, birth in created)


def test_the_facilitator_finds_every_spelling_of_a_name():
    facilitator = User.objects.get(username="facilitator")
    assert Household.objects.filter(neighbourhood__office=facilitator.office).count() >= 300
    for query in ("محمدرضا", "محمد رضا", "محمد\u200cرضا"):
        names = {p.first_name for p in person_search(user=facilitator, query=query, limit=1000)}
        assert {"محمدرضا", "محمد رضا", "محمد\u200cرضا"} <= names
    names = {p.first_name for p in person_search(user=facilitator, query="علی", limit=1000)}
    assert {"علی", "علي"} <= names
    assert set(SEARCH_DEMO_NAMES) <= set(
        Person.objects.filter(household__neighbourhood__office=facilitator.office).values_list(
            "first_name", flat=True
        )
    )


def test_the_plan_is_the_same_for_the_same_seed(today):
    def fingerprint():
        fake = Faker("fa_IR")
        fake.seed_instance(7)
        plan = plan_registry(
            rng=random.Random(7), fake=fake, today=today, households=120, comparison_households=6
        )
        return [
            (
                f.household.neighbourhood.code,
                f.household.address,
                f.household.vulnerability,
                [(m.person.first_name, m.person.last_name, m.person.birth_date, m.person.national_code,
                  m.person.mobile, m.person.employment) for m in f.members],
                [(case.harm_type.code, case.status, [e.on for e in events]) for _m, case, events in f.cases],
            )
            for f in plan.families
        ]  # fmt: skip

    first = fingerprint()
    assert len(first) == 120 + 5 * 6
    assert fingerprint() == first


def test_demo_has_a_dozen_published_bilingual_stories_with_photos_and_drafts_in_review():
    from mahalleh.stories import names
    from mahalleh.stories.models import Story

    published = Story.objects.filter(status=Story.Status.PUBLISHED)
    assert published.count() == 12
    assert all(s.has_english and s.cover_id and s.cover.alt_en for s in published)
    assert published.values("office").distinct().count() >= 6
    in_review = Story.objects.filter(status=Story.Status.IN_REVIEW)
    assert in_review.count() == 3
    # One of them names a resident without consent, so the PR officer sees the rule at work.
    flagged = [s for s in in_review if any(not m.consented for m in names.story_matches(s))]
    assert len(flagged) == 1


# --------------------------------------------------------------------------- indicators


@pytest.mark.django_db
def test_the_demo_has_a_plan_targets_and_history():
    plan = Plan.objects.get()
    assert (plan.baseline_year, plan.first_year, plan.last_year) == (1401, 1402, 1405)
    assert Target.objects.filter(year=1401).exists() and Target.objects.filter(year=1405).exists()
    assert Fact.objects.filter(period="1402").exists() and Fact.objects.filter(period="1404").exists()
    assert ManualValue.objects.filter(status="approved").exists()


@pytest.mark.django_db
def test_some_neighbourhoods_improve_and_some_do_not():
    coordinator = User.objects.get(username="province_coordinator")
    ind = Indicator.objects.get(code="school_enrolment")
    year = max(Fact.objects.filter(period_kind="year").values_list("period", flat=True))
    statuses = set()
    rows, _total = selectors.indicator_values(
        user=coordinator, indicator=ind, level="neighbourhood", period=year
    )
    for row in rows:
        progress = selectors.progress_for(
            user=coordinator, indicator=ind, level="neighbourhood", place=row.place, year=int(year)
        )
        statuses.add(progress.status)
    assert "behind" in statuses and ({"reached", "on_track"} & statuses)


def test_households_and_residents_carry_their_neighbourhoods_office():
    from tests.registry.conftest import office_drift

    assert Person.objects.filter(office__isnull=False).count() > 10_000
    assert office_drift() == []


# --------------------------------------------------------------------------- reports


@pytest.mark.django_db
def test_the_demo_has_an_office_report_to_approve_and_a_province_report_with_files():
    from mahalleh.reports.models import Report

    office = Report.objects.get(scope="office")
    assert office.created_by.username == "office_manager"
    province = Report.objects.get(scope="province")
    assert province.created_by.username == "province_coordinator"
    for report in (office, province):
        # The job ran (at once under the tests): both files are there, in Persian.
        assert report.status == "ready", (report.status, report.message)
        assert report.language == "fa"
        assert report.pdf and report.xlsx


def test_the_registry_consent_flag_is_the_consent_in_force():
    """The demo loads consents in bulk: each resident's flag still says whether the latest registry
    consent is a "given" one (a withdrawn one counts as none)."""
    latest = {}
    for person_id, given in (
        Consent.objects.filter(purpose=Consent.Purpose.REGISTRY)
        .order_by("person_id", "on", "pk")
        .values_list("person_id", "given")
    ):
        latest[person_id] = given
    flagged = set(Person.objects.filter(registry_consent=True).values_list("pk", flat=True))
    assert flagged == {p for p, given in latest.items() if given}
    assert len(flagged) > 100  # not vacuous: the demo records many
