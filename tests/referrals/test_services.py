"""The referral services: sending (with the consent rule), every allowed and refused transition,
who may make each move, what each move needs, and stale edits."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.referrals import services
from mahalleh.referrals.models import Notification, Referral, ReferralEvent, Service
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.referrals.conftest import move, tr

S = Referral.Status
pytestmark = pytest.mark.django_db


def nothing_written():
    return (
        Referral.objects.count() == 0
        and ReferralEvent.objects.count() == 0
        and Notification.objects.count() == 0
    )


# --------------------------------------------------------------------------- sending


def test_referral_is_sent_with_the_service_default_due_date_and_the_persons_office(ref):
    referral = ref.refer()
    today = timezone.localdate()
    assert referral.status == S.SENT
    assert referral.due_on == today + datetime.timedelta(days=10)
    assert referral.office == ref.world.office_a
    assert referral.partner == ref.world.partner
    assert referral.created_by == ref.world.facilitator_a
    assert referral.household is None
    event = referral.events.get()
    assert (event.from_status, event.to_status, event.by) == ("", S.SENT, ref.world.facilitator_a)
    assert AuditEntry.objects.filter(
        object_type="referral", object_id=str(referral.pk), action="create"
    ).exists()


def test_due_date_falls_back_to_the_partners_days_when_the_service_has_none(ref):
    ref.world.partner.answer_days = 4
    ref.world.partner.save()
    Service.objects.filter(pk=ref.service.pk).update(answer_days=0)
    ref.service.refresh_from_db()
    referral = ref.refer()
    assert referral.due_on == timezone.localdate() + datetime.timedelta(days=4)


def test_explicit_due_date_and_whole_household_are_kept(ref):
    due = timezone.localdate() + datetime.timedelta(days=3)
    referral = ref.refer(due_on=due, household=ref.reg.household_a, urgency=Referral.Urgency.URGENT)
    assert referral.due_on == due
    assert referral.household == ref.reg.household_a
    assert referral.urgency == "urgent"


def test_referral_without_consent_is_refused_and_nothing_is_saved(ref):
    with pytest.raises(ValidationError) as exc:
        ref.refer(person=ref.reg.child_a)
    assert exc.value.code == "no_consent"
    assert exc.value.messages == [
        tr(
            "%(name)s has not given consent to be referred to partner organisations, or has "
            "withdrawn it. Record their consent first; the referral was not sent.",
            name=ref.reg.child_a.full_name,
        )
    ]
    assert ref.reg.child_a.full_name in exc.value.messages[0]
    assert nothing_written()


def test_referral_after_consent_was_withdrawn_is_refused(ref):
    registry_services.consent_record(
        actor=ref.world.facilitator_a,
        person=ref.reg.head_a,
        purpose="referral",
        given=False,
        on=timezone.localdate(),
        note="انصراف",
    )
    with pytest.raises(ValidationError) as exc:
        ref.refer()
    assert exc.value.code == "no_consent"
    assert nothing_written()


def test_consent_for_another_purpose_does_not_count(ref):
    registry_services.consent_record(
        actor=ref.world.facilitator_a, person=ref.reg.child_a, purpose="registry", given=True,
        on=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        ref.refer(person=ref.reg.child_a)
    assert nothing_written()


@pytest.mark.parametrize(
    "actor", ["facilitator_b", "coordinator", "admin", "partner_user", "pr_a", "analyst"]
)
def test_only_editors_of_the_persons_office_refer(ref, actor):
    with pytest.raises(PermissionDenied):
        ref.refer(actor=getattr(ref.world, actor))
    assert nothing_written()


def test_the_office_manager_refers_too(ref):
    assert ref.refer(actor=ref.world.manager_a).created_by == ref.world.manager_a


def test_bad_input_is_refused_at_the_fields(ref):
    with pytest.raises(ValidationError) as exc:
        ref.refer(reason="   ", urgency="whenever", due_on=timezone.localdate() - datetime.timedelta(days=1))
    assert set(exc.value.message_dict) == {"reason", "urgency", "due_on"}
    assert nothing_written()


def test_a_service_of_another_province_is_refused(ref):
    from mahalleh.referrals.models import Partner

    far = Partner.objects.create(name="خیریه شیراز", kind=Partner.Kind.CHARITY, province=ref.world.fars)
    service = Service.objects.create(partner=far, name="کمک", answer_days=5)
    with pytest.raises(ValidationError) as exc:
        ref.refer(service=service)
    assert "service" in exc.value.message_dict
    assert nothing_written()


def test_an_inactive_service_is_refused(ref):
    Service.objects.filter(pk=ref.service.pk).update(active=False)
    with pytest.raises(ValidationError) as exc:
        ref.refer()
    assert "service" in exc.value.message_dict


def test_a_second_open_referral_to_the_same_service_is_refused(ref):
    ref.refer()
    with pytest.raises(ValidationError) as exc:
        ref.refer()
    assert exc.value.error_dict["service"][0].code == "duplicate"
    assert Referral.objects.count() == 1


def test_after_the_first_is_closed_the_same_service_can_be_referred_again(ref):
    move(ref.refer(), S.DECLINED)
    assert ref.refer().status == S.SENT


def test_a_resident_who_moved_away_is_not_referred(ref):
    registry_services.person_set_status(
        actor=ref.world.facilitator_a, person=ref.reg.head_a, status=Person.Status.MOVED_AWAY,
        on=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        ref.refer()
    assert exc.value.code == "inactive"


def test_a_household_other_than_the_persons_is_refused(ref):
    with pytest.raises(ValidationError) as exc:
        ref.refer(household=ref.reg.household_b)
    assert "household" in exc.value.message_dict
    assert nothing_written()


# --------------------------------------------------------------------------- transitions

ALLOWED = {
    (S.SENT, S.ACCEPTED),
    (S.SENT, S.DECLINED),
    (S.SENT, S.CANCELLED),
    (S.ACCEPTED, S.IN_PROGRESS),
    (S.ACCEPTED, S.COMPLETED),
    (S.ACCEPTED, S.CANCELLED),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.IN_PROGRESS, S.CANCELLED),
}
# How to reach each status from "sent".
PATH = {
    S.SENT: [],
    S.ACCEPTED: [S.ACCEPTED],
    S.IN_PROGRESS: [S.ACCEPTED, S.IN_PROGRESS],
    S.COMPLETED: [S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED],
    S.DECLINED: [S.DECLINED],
    S.CANCELLED: [S.CANCELLED],
}
ALL_PAIRS = list(itertools.product(S.values, S.values))


def actor_for(ref, to):
    return ref.world.facilitator_a if to == S.CANCELLED else ref.world.partner_user


def args_for(to):
    if to == S.DECLINED:
        return {"note": "ظرفیت تکمیل است"}
    if to == S.COMPLETED:
        return {"outcome": Referral.Outcome.DELIVERED}
    return {}


@pytest.mark.parametrize(("start", "to"), sorted(ALLOWED))
def test_allowed_transition_is_made_and_recorded(ref, start, to):
    referral = move(ref.refer(), *PATH[start])
    events_before = referral.events.count()
    actor = actor_for(ref, to)
    referral = services.referral_transition(actor=actor, referral=referral, to_status=to, **args_for(to))
    referral.refresh_from_db()
    assert referral.status == to
    event = referral.events.order_by("-pk").first()
    assert referral.events.count() == events_before + 1
    assert (event.from_status, event.to_status, event.by) == (start, to, actor)
    if to == S.ACCEPTED:
        assert referral.accepted_at is not None
    if to in {S.DECLINED, S.COMPLETED, S.CANCELLED}:
        assert referral.closed_at is not None
    changes = AuditEntry.objects.filter(
        object_type="referral", object_id=str(referral.pk), action="update"
    ).values_list("changes", flat=True)
    assert {"status": [start, to]} in [{"status": c["status"]} for c in changes]


@pytest.mark.parametrize(("start", "to"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_impossible_transition_is_refused_with_a_message_and_nothing_changes(ref, start, to):
    referral = move(ref.refer(), *PATH[start])
    events = referral.events.count()
    with pytest.raises(ValidationError) as exc:
        services.referral_transition(
            actor=actor_for(ref, to), referral=referral, to_status=to, **args_for(to)
        )
    assert exc.value.code == "transition"
    assert exc.value.messages == [
        tr(
            "This referral is “%(current)s”; it cannot be made “%(target)s”.",
            current=S(start).label,
            target=S(to).label,
        )
    ]
    referral.refresh_from_db()
    assert referral.status == start
    assert referral.events.count() == events


@pytest.mark.parametrize("to", [S.ACCEPTED, S.DECLINED])
def test_the_office_cannot_answer_for_the_partner(ref, to):
    referral = ref.refer()
    for actor in (ref.world.facilitator_a, ref.world.manager_a, ref.world.admin, ref.world.coordinator):
        with pytest.raises(PermissionDenied):
            services.referral_transition(actor=actor, referral=referral, to_status=to, **args_for(to))
    referral.refresh_from_db()
    assert referral.status == S.SENT


def test_another_partners_user_cannot_answer(ref):
    referral = ref.refer()
    with pytest.raises(PermissionDenied):
        services.referral_accept(actor=ref.other_partner_user, referral=referral)
    assert Referral.objects.get().status == S.SENT


def test_the_partner_cannot_cancel_and_another_office_cannot_cancel(ref):
    referral = ref.refer()
    for actor in (
        ref.world.partner_user,
        ref.world.facilitator_b,
        ref.world.manager_b,
        ref.world.coordinator,
    ):
        with pytest.raises(PermissionDenied):
            services.referral_cancel(actor=actor, referral=referral, note="x")
    assert Referral.objects.get().status == S.SENT


def test_the_office_manager_cancels(ref):
    referral = services.referral_cancel(actor=ref.world.manager_a, referral=ref.refer(), note="منصرف شد")
    assert referral.status == S.CANCELLED
    assert referral.events.last().note == "منصرف شد"


def test_declining_needs_a_reason(ref):
    referral = ref.refer()
    with pytest.raises(ValidationError) as exc:
        services.referral_decline(actor=ref.world.partner_user, referral=referral, reason="  ")
    assert "note" in exc.value.message_dict
    referral.refresh_from_db()
    assert referral.status == S.SENT
    referral = services.referral_decline(
        actor=ref.world.partner_user, referral=referral, reason="ظرفیت نداریم"
    )
    assert referral.decline_reason == "ظرفیت نداریم"


def test_completing_needs_an_outcome_and_other_needs_a_note(ref):
    referral = move(ref.refer(), S.ACCEPTED)
    with pytest.raises(ValidationError) as exc:
        services.referral_complete(actor=ref.world.partner_user, referral=referral, outcome="")
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.referral_complete(actor=ref.world.partner_user, referral=referral, outcome="other", note="")
    assert "note" in exc.value.message_dict
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    referral = services.referral_complete(
        actor=ref.world.partner_user, referral=referral, outcome="other", note="به سازمان دیگری معرفی شد"
    )
    assert (referral.status, referral.outcome, referral.outcome_note) == (
        S.COMPLETED,
        "other",
        "به سازمان دیگری معرفی شد",
    )


@pytest.mark.parametrize("outcome", ["delivered", "not_eligible", "no_show"])
def test_each_outcome_can_be_recorded_without_a_note(ref, outcome):
    referral = move(ref.refer(), S.ACCEPTED, S.IN_PROGRESS)
    referral = services.referral_complete(actor=ref.world.partner_user, referral=referral, outcome=outcome)
    assert referral.outcome == outcome


def test_stale_edit_is_refused(ref):
    from mahalleh.core.services import version_token

    referral = ref.refer()
    opened = version_token(referral)
    # Someone else answers first …
    services.referral_accept(actor=ref.world.partner_user, referral=referral, version=opened)
    # … and the second answer, made on the page opened before, is refused.
    with pytest.raises(ValidationError) as exc:
        services.referral_start(actor=ref.world.partner_user, referral=referral, version=opened)
    assert exc.value.code == "stale"
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED


def test_allowed_transitions_depend_on_the_side(ref):
    referral = ref.refer()
    assert set(services.allowed_transitions(actor=ref.world.partner_user, referral=referral)) == {
        S.ACCEPTED,
        S.DECLINED,
    }
    assert services.allowed_transitions(actor=ref.world.facilitator_a, referral=referral) == [S.CANCELLED]
    assert services.allowed_transitions(actor=ref.other_partner_user, referral=referral) == []
    assert services.allowed_transitions(actor=ref.world.coordinator, referral=referral) == []


# --------------------------------------------------------------------------- partners and services


def test_coordinator_adds_partners_of_their_province_only(world):
    from mahalleh.referrals.models import Partner

    partner = services.partner_create(actor=world.coordinator, name="  سمن  نو ", kind=Partner.Kind.NGO)
    assert (partner.name, partner.province) == ("سمن نو", world.kerman)
    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=world.coordinator, name="ملی", kind="ngo", province=None)
    assert "province" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.partner_update(actor=world.coordinator_fars, partner=partner, name="x")
    with pytest.raises(PermissionDenied):
        services.partner_create(actor=world.facilitator_a, name="x", kind="ngo")


def test_admin_adds_a_national_partner_and_a_service_with_the_partners_days(world):
    partner = services.partner_create(actor=world.admin, name="سازمان ملی", kind="government", answer_days=12)
    assert partner.province is None
    service = services.service_create(actor=world.admin, partner=partner, name="آموزش")
    assert service.answer_days == 12
    with pytest.raises(ValidationError) as exc:
        services.service_create(actor=world.admin, partner=partner, name="x", answer_days=0)
    assert "answer_days" in exc.value.message_dict


def test_stale_partner_edit_is_refused(world):
    from mahalleh.core.services import version_token

    opened = version_token(world.partner)
    services.partner_update(actor=world.admin, partner=world.partner, version=opened, contact_name="الف")
    with pytest.raises(ValidationError) as exc:
        services.partner_update(actor=world.admin, partner=world.partner, version=opened, contact_name="ب")
    assert exc.value.code == "stale"
    world.partner.refresh_from_db()
    assert world.partner.contact_name == "الف"
