"""Registry services: the rules every write follows, whatever page, import or API calls them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.core.services import version_token
from mahalleh.registry import selectors, services
from mahalleh.registry.models import Consent, HarmCase, Household, Person
from mahalleh.registry.services import HARM_TRANSITIONS, DuplicateWarning
from tests.registry.conftest import CODE_FREE, CODE_HEAD_A, person_data

S = HarmCase.Status
TODAY = timezone.localdate


# --------------------------------------------------------------------------- duplicates


def test_second_registration_of_a_national_code_is_refused_and_points_to_the_existing_record(reg):
    w = reg.world
    with pytest.raises(DuplicateWarning) as caught:
        services.person_create(
            actor=w.facilitator_b,
            household=reg.household_b,
            confirm_duplicate=True,  # a national code can never be confirmed as "a different person"
            **person_data(national_code=CODE_HEAD_A, first_name="رضا", last_name="نوری"),
        )
    assert caught.value.code == "duplicate_code"
    assert caught.value.existing == reg.head_a
    assert caught.value.existing.household == reg.household_a
    assert not Person.objects.filter(first_name="رضا").exists()


def test_national_code_typed_in_persian_digits_with_dashes_is_the_same_code(reg):
    persian = CODE_HEAD_A.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    with pytest.raises(DuplicateWarning):
        services.person_create(
            actor=reg.world.facilitator_a,
            household=reg.household_a,
            **person_data(national_code=f"{persian[:3]}-{persian[3:9]}-{persian[9]}"),
        )


def test_same_name_and_birth_date_in_the_neighbourhood_warns_unless_confirmed(reg):
    w = reg.world
    twin = person_data(
        national_code=None,
        id_type=Person.IdType.NONE,
        first_name="محمد رضا",  # spelled with a space this time
        last_name="احمدي",  # and an Arabic yeh
        birth_date=reg.head_a.birth_date,
        relation=Person.Relation.SIBLING,
    )
    with pytest.raises(DuplicateWarning) as caught:
        services.person_create(actor=w.facilitator_a, household=reg.household_a, **twin)
    assert caught.value.code == "duplicate_name"
    assert caught.value.existing == reg.head_a

    person = services.person_create(
        actor=w.facilitator_a, household=reg.household_a, confirm_duplicate=True, **twin
    )
    assert person.pk and person.household == reg.household_a


def test_same_name_and_birth_date_in_another_neighbourhood_is_not_a_duplicate(reg):
    person = services.person_create(
        actor=reg.world.facilitator_b,
        household=reg.household_b,
        **person_data(
            national_code=None,
            id_type=Person.IdType.NONE,
            first_name="محمدرضا",
            last_name="احمدی",
            birth_date=reg.head_a.birth_date,
            relation=Person.Relation.SIBLING,
        ),
    )
    assert person.household == reg.household_b


# --------------------------------------------------------------------------- bad input


def test_future_birth_date_is_refused_at_the_field(reg):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            actor=reg.world.facilitator_a, household=reg.household_a, **person_data(birth_date=tomorrow)
        )
    assert "birth_date" in caught.value.message_dict
    assert not Person.objects.filter(national_code=CODE_FREE).exists()


def test_bad_check_digit_is_refused_at_the_national_code_field(reg):
    bad = CODE_FREE[:9] + str((int(CODE_FREE[9]) + 1) % 10)
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            actor=reg.world.facilitator_a, household=reg.household_a, **person_data(national_code=bad)
        )
    assert list(caught.value.message_dict) == ["national_code"]


def test_refugee_card_needs_no_national_code_and_its_number_may_come_later(reg):
    fa = reg.world.facilitator_a
    # The card is not at hand: registered all the same, with the number to complete (issue 8.5).
    waiting = services.person_create(
        actor=fa,
        household=reg.household_a,
        **person_data(id_type=Person.IdType.FOREIGN_ID, national_code="", first_name="گل"),
    )
    assert waiting.missing_document_number
    person = services.person_create(
        actor=fa,
        household=reg.household_a,
        **person_data(
            id_type=Person.IdType.FOREIGN_ID,
            national_code=CODE_FREE,  # left in the box: dropped, the ID type says card
            document_number="AF-123456",
            nationality=Person.Nationality.AFGHAN,
        ),
    )
    assert person.national_code is None and person.document_number == "AF-123456"


def test_school_enrolment_is_kept_only_for_ages_6_to_18(reg):
    adult = services.person_create(
        actor=reg.world.facilitator_a,
        household=reg.household_a,
        **person_data(school_enrolled=True, birth_date=datetime.date(1990, 1, 1)),
    )
    assert adult.school_enrolled is None
    assert Person.objects.get(pk=reg.child_a.pk).school_enrolled is True


def test_household_phone_is_stored_with_latin_digits_and_no_separators(reg):
    household = services.household_create(
        actor=reg.world.facilitator_a, neighbourhood=reg.world.hood_a, phone="۰۳۴-۳۲۲۲ ۱۲۳۴"
    )
    assert household.phone == "03432221234"
    services.household_update(actor=reg.world.facilitator_a, household=household, phone="۰۹۱۲ ۱۱۱ ۲۲۳۳")
    household.refresh_from_db()
    assert household.phone == "09121112233"


def test_a_household_has_one_head(reg):
    with pytest.raises(ValidationError) as caught:
        services.person_create(
            actor=reg.world.facilitator_a,
            household=reg.household_a,
            **person_data(relation=Person.Relation.HEAD),
        )
    assert "relation" in caught.value.message_dict


# --------------------------------------------------------------------------- stale edits


def test_stale_household_edit_is_refused_not_overwritten(reg):
    fa = reg.world.facilitator_a
    opened = version_token(reg.household_a)
    services.household_update(actor=fa, household=reg.household_a, version=opened, address="نشانی تازه")
    with pytest.raises(ValidationError) as caught:
        services.household_update(actor=fa, household=reg.household_a, version=opened, address="نشانی کهنه")
    assert caught.value.code == "stale"
    assert Household.objects.get(pk=reg.household_a.pk).address == "نشانی تازه"


def test_stale_person_edit_is_refused_not_overwritten(reg):
    fa = reg.world.facilitator_a
    opened = version_token(reg.child_a)
    services.person_update(actor=fa, person=reg.child_a, version=opened, father_name="محمد رضا")
    with pytest.raises(ValidationError) as caught:
        services.person_update(actor=fa, person=reg.child_a, version=opened, father_name="دیگری")
    assert caught.value.code == "stale"
    assert Person.objects.get(pk=reg.child_a.pk).father_name == "محمد رضا"


# --------------------------------------------------------------------------- harms


def _open_case(reg, **kwargs):
    return services.harm_case_open(
        actor=reg.world.facilitator_a,
        person=reg.head_a,
        harm_type=reg.addiction,
        identified_on=kwargs.pop("on", TODAY() - datetime.timedelta(days=30)),
        **kwargs,
    )


ALL_PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_harm_case_moves_only_along_the_allowed_paths(reg, from_status, to_status):
    case = _open_case(reg)
    HarmCase.objects.filter(pk=case.pk).update(status=from_status)
    case.refresh_from_db()
    allowed = to_status in HARM_TRANSITIONS[from_status]
    if allowed:
        services.harm_case_transition(
            actor=reg.world.facilitator_a, case=case, to_status=to_status, on=TODAY()
        )
        case.refresh_from_db()
        assert case.status == to_status
        assert case.events.order_by("-pk").first().from_status == from_status
    else:
        with pytest.raises(ValidationError) as caught:
            services.harm_case_transition(
                actor=reg.world.facilitator_a, case=case, to_status=to_status, on=TODAY()
            )
        assert "to_status" in caught.value.message_dict
        case.refresh_from_db()
        assert case.status == from_status


def test_harm_case_history_records_every_step(reg):
    fa = reg.world.facilitator_a
    case = _open_case(reg, note="گزارش همسایه")
    services.harm_case_transition(actor=fa, case=case, to_status=S.IN_CARE, on=TODAY(), note="ارجاع به مرکز")
    services.harm_case_transition(actor=fa, case=case, to_status=S.RESOLVED, on=TODAY())
    steps = list(case.events.values_list("from_status", "to_status"))
    assert steps == [("", S.IDENTIFIED), (S.IDENTIFIED, S.IN_CARE), (S.IN_CARE, S.RESOLVED)]


def test_harm_step_dated_before_the_previous_step_is_refused(reg):
    case = _open_case(reg, on=TODAY() - datetime.timedelta(days=3))
    with pytest.raises(ValidationError) as caught:
        services.harm_case_transition(
            actor=reg.world.facilitator_a,
            case=case,
            to_status=S.IN_CARE,
            on=TODAY() - datetime.timedelta(days=10),
        )
    assert "on" in caught.value.message_dict


def test_same_harm_cannot_be_opened_twice_while_open(reg):
    _open_case(reg)
    with pytest.raises(ValidationError) as caught:
        _open_case(reg)
    assert "harm_type" in caught.value.message_dict


def test_stale_harm_transition_is_refused(reg):
    case = _open_case(reg)
    opened = version_token(case)
    services.harm_case_transition(actor=reg.world.facilitator_a, case=case, to_status=S.IN_CARE, on=TODAY())
    with pytest.raises(ValidationError) as caught:
        services.harm_case_transition(
            actor=reg.world.facilitator_a, case=case, to_status=S.RESOLVED, on=TODAY(), version=opened
        )
    assert caught.value.code == "stale"


# --------------------------------------------------------------------------- consent, assessment


def test_the_latest_consent_of_a_purpose_is_in_force(reg):
    fa = reg.world.facilitator_a
    person = reg.head_a
    assert not selectors.consent_in_force(person=person, purpose=Consent.Purpose.REFERRAL)
    services.consent_record(
        actor=fa,
        person=person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        on=TODAY() - datetime.timedelta(days=5),
    )
    assert selectors.consent_in_force(person=person, purpose=Consent.Purpose.REFERRAL)
    assert not selectors.consent_in_force(person=person, purpose=Consent.Purpose.PHOTOS)
    services.consent_record(
        actor=fa, person=person, purpose=Consent.Purpose.REFERRAL, given=False, on=TODAY()
    )
    assert not selectors.consent_in_force(person=person, purpose=Consent.Purpose.REFERRAL)
    # The withdrawal does not erase the earlier record.
    assert person.consents.count() == 2


def test_assessment_score_is_the_weighted_share_of_yes_answers(reg):
    # Seeded weights: no_income 3, food_insecurity 3, debt 1 … out of 20 in all.
    assessment = services.assessment_record(
        actor=reg.world.facilitator_a,
        household=reg.household_a,
        on=TODAY(),
        answers={"no_income": True, "food_insecurity": True, "debt": True, "female_head": False},
    )
    assert assessment.score == 35
    reg.household_a.refresh_from_db()
    assert reg.household_a.vulnerability == 35


def test_an_older_assessment_does_not_replace_the_household_score(reg):
    fa = reg.world.facilitator_a
    services.assessment_record(actor=fa, household=reg.household_a, on=TODAY(), answers={"debt": True})
    services.assessment_record(
        actor=fa,
        household=reg.household_a,
        on=TODAY() - datetime.timedelta(days=90),
        answers={"no_income": True},
    )
    reg.household_a.refresh_from_db()
    assert reg.household_a.vulnerability == 5


def test_assessment_with_an_unknown_item_is_refused(reg):
    with pytest.raises(ValidationError) as caught:
        services.assessment_record(
            actor=reg.world.facilitator_a,
            household=reg.household_a,
            on=TODAY(),
            answers={"no_such_item": True},
        )
    assert "answers" in caught.value.message_dict


# --------------------------------------------------------------------------- move, status


def test_moving_a_person_keeps_their_harm_history(reg):
    fa = reg.world.facilitator_a
    case = services.harm_case_open(
        actor=fa,
        person=reg.child_a,
        harm_type=reg.child_labour,
        identified_on=TODAY() - datetime.timedelta(days=9),
    )
    services.harm_case_transition(actor=fa, case=case, to_status=S.IN_CARE, on=TODAY())
    new_home = services.household_create(actor=fa, neighbourhood=reg.world.hood_a, address="خانه مادربزرگ")
    services.person_move(
        actor=fa, person=reg.child_a, to_household=new_home, relation=Person.Relation.GRANDCHILD
    )

    moved = Person.objects.get(pk=reg.child_a.pk)
    assert moved.household == new_home and moved.relation == Person.Relation.GRANDCHILD
    case.refresh_from_db()
    assert case.person_id == moved.pk and case.status == S.IN_CARE
    assert case.events.count() == 2
    assert AuditEntry.objects.filter(
        object_type="person", object_id=str(moved.pk), action="update", changes__has_key="household"
    ).exists()


def test_moving_the_head_leaves_the_old_household_without_a_head(reg):
    fa = reg.world.facilitator_a
    new_home = services.household_create(actor=fa, neighbourhood=reg.world.hood_a)
    services.person_move(actor=fa, person=reg.head_a, to_household=new_home, relation=Person.Relation.HEAD)
    reg.household_a.refresh_from_db()
    new_home.refresh_from_db()
    assert reg.household_a.head is None
    assert new_home.head == reg.head_a


def test_moving_into_a_household_that_already_has_a_head_as_head_is_refused(reg):
    fa = reg.world.facilitator_a
    other = services.household_create(actor=fa, neighbourhood=reg.world.hood_a)
    services.person_create(actor=fa, household=other, **person_data(relation=Person.Relation.HEAD))
    with pytest.raises(ValidationError) as caught:
        services.person_move(actor=fa, person=reg.child_a, to_household=other, relation=Person.Relation.HEAD)
    assert "relation" in caught.value.message_dict


def test_moving_with_an_unknown_relation_is_refused(reg):
    fa = reg.world.facilitator_a
    other = services.household_create(actor=fa, neighbourhood=reg.world.hood_a)
    with pytest.raises(ValidationError) as caught:
        services.person_move(actor=fa, person=reg.child_a, to_household=other, relation="cousin-ish")
    assert "relation" in caught.value.message_dict
    assert Person.objects.get(pk=reg.child_a.pk).household == reg.household_a


def test_moving_to_another_offices_household_is_refused(reg):
    with pytest.raises(PermissionDenied):
        services.person_move(
            actor=reg.world.facilitator_a, person=reg.child_a, to_household=reg.household_b, relation="child"
        )


def test_marking_deceased_keeps_the_record_and_its_history(reg):
    fa = reg.world.facilitator_a
    _open_case(reg)
    on = TODAY() - datetime.timedelta(days=2)
    services.person_set_status(actor=fa, person=reg.head_a, status=Person.Status.DECEASED, on=on)
    person = Person.objects.get(pk=reg.head_a.pk)
    assert person.status == Person.Status.DECEASED and person.status_changed_on == on
    assert person.harm_cases.count() == 1
    assert person in reg.household_a.members.all()


def test_status_change_dated_in_the_future_is_refused(reg):
    with pytest.raises(ValidationError):
        services.person_set_status(
            actor=reg.world.facilitator_a,
            person=reg.head_a,
            status=Person.Status.MOVED_AWAY,
            on=TODAY() + datetime.timedelta(days=1),
        )


# --------------------------------------------------------------------------- roles and scope


@pytest.mark.parametrize("who", ["coordinator", "admin", "analyst", "pr_a", "partner_user", "facilitator_b"])
def test_only_office_staff_of_the_neighbourhood_write(reg, who):
    actor = getattr(reg.world, who)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=actor, household=reg.household_a, **person_data())
    with pytest.raises(PermissionDenied):
        services.household_create(actor=actor, neighbourhood=reg.world.hood_a)


def test_office_manager_writes_in_the_office(reg):
    person = services.person_create(actor=reg.world.manager_a, household=reg.household_a, **person_data())
    assert person.created_by == reg.world.manager_a


def test_every_change_is_audited_with_the_changed_fields(reg):
    services.person_update(actor=reg.world.facilitator_a, person=reg.child_a, father_name="محمد")
    entry = AuditEntry.objects.filter(
        object_type="person", object_id=str(reg.child_a.pk), action="update"
    ).get()
    assert entry.user == reg.world.facilitator_a
    assert entry.changes == {"father_name": ["محمدرضا", "محمد"]}
    assert entry.office_id == reg.world.office_a.pk


# ------------------------------------------------------------- household with members (issue 8.2)


def _member(first, relation, code, **extra):
    return person_data(first_name=first, relation=relation, national_code=code, **extra)


def test_a_household_of_four_is_registered_in_one_call(reg):
    from mahalleh.core.national_code import make_national_code

    fa = reg.world.facilitator_a
    head = _member("رضا", Person.Relation.HEAD, make_national_code("298100101"), sex=Person.Sex.MALE)
    members = [
        _member("مریم", Person.Relation.SPOUSE, make_national_code("298100102")),
        _member(
            "سارا",
            Person.Relation.CHILD,
            make_national_code("298100103"),
            birth_date=datetime.date(2015, 1, 1),
        ),
        _member("امید", Person.Relation.CHILD, None, id_type=Person.IdType.NONE, sex=Person.Sex.MALE),
    ]
    household = services.household_create_with_head(
        actor=fa,
        neighbourhood=reg.world.hood_a,
        household_fields={"address": "کوچه یاس"},
        head_fields=head,
        members=members,
    )
    assert household.head.first_name == "رضا"
    assert sorted(household.members.values_list("first_name", flat=True)) == sorted(
        ["رضا", "مریم", "سارا", "امید"]
    )


def test_one_bad_member_leaves_nothing_behind_and_says_which_row(reg):
    from mahalleh.core.national_code import make_national_code

    fa = reg.world.facilitator_a
    before = (Household.objects.count(), Person.objects.count())
    head = _member("رضا", Person.Relation.HEAD, make_national_code("298100201"), sex=Person.Sex.MALE)
    members = [
        _member("مریم", Person.Relation.SPOUSE, make_national_code("298100202")),
        _member('=HYPERLINK("x")', Person.Relation.CHILD, None, id_type=Person.IdType.NONE),
    ]
    with pytest.raises(ValidationError) as caught:
        services.household_create_with_head(
            actor=fa, neighbourhood=reg.world.hood_a, household_fields={}, head_fields=head, members=members
        )
    assert caught.value.member_index == 1  # the second row of members
    assert "first_name" in caught.value.message_dict
    assert (Household.objects.count(), Person.objects.count()) == before
