"""The referral pages: the office's list and overdue list, sending from the person page, answering
from the partner's pages, the person and household timelines, partners, statistics, the bell."""

import datetime
import re

import pytest
from django.utils import timezone

from mahalleh.core.jalali import format_jalali
from mahalleh.core.services import version_token
from mahalleh.referrals.models import Notification, Partner, Referral, Service
from tests.referrals.conftest import move, tr

S = Referral.Status
pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- office list


def test_office_list_filters_by_status_and_partner_and_has_an_overdue_tab(ref, login):
    sent = ref.refer()
    other = move(ref.refer(service=ref.other_service), S.ACCEPTED)
    Referral.objects.filter(pk=sent.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    client = login(ref.world.facilitator_a)
    page = html(client.get("/referrals/"))
    assert f"/referrals/{sent.pk}/" in page and f"/referrals/{other.pk}/" in page
    page = html(client.get("/referrals/?status=accepted"))
    assert f"/referrals/{sent.pk}/" not in page and f"/referrals/{other.pk}/" in page
    page = html(client.get(f"/referrals/?partner={ref.world.partner.pk}"))
    assert f"/referrals/{sent.pk}/" in page and f"/referrals/{other.pk}/" not in page
    page = html(client.get("/referrals/?overdue=1"))
    assert f"/referrals/{sent.pk}/" in page and f"/referrals/{other.pk}/" not in page
    assert 'data-testid="overdue-badge"' in page
    assert 'data-testid="overdue-count">۱<' in page


def test_a_bad_filter_shows_everything_instead_of_failing(ref, login):
    referral = ref.refer()
    page = html(login(ref.world.facilitator_a).get("/referrals/?status=nonsense&partner=abc"))
    assert f"/referrals/{referral.pk}/" in page


# --------------------------------------------------------------------------- sending from the person page


def test_person_page_has_a_refer_button_referrals_and_a_timeline(ref, login):
    referral = move(ref.refer(), S.ACCEPTED, S.COMPLETED)
    page = html(login(ref.world.facilitator_a).get(f"/registry/people/{ref.reg.head_a.pk}/"))
    assert f'href="/referrals/people/{ref.reg.head_a.pk}/new/"' in page
    assert f"/referrals/{referral.pk}/" in page
    assert 'data-testid="timeline"' in page
    assert page.count('data-kind="referral"') == 3  # sent, accepted, completed
    # Another member's page shows neither the referral nor its steps.
    page = html(login(ref.world.facilitator_a).get(f"/registry/people/{ref.reg.child_a.pk}/"))
    assert f"/referrals/{referral.pk}/" not in page and 'data-kind="referral"' not in page


def test_readers_who_cannot_refer_see_no_refer_button(ref, login):
    page = html(login(ref.world.coordinator).get(f"/registry/people/{ref.reg.head_a.pk}/"))
    assert "/referrals/people/" not in page


def test_new_referral_form_prefills_the_jalali_due_date_and_groups_services(ref, login):
    client = login(ref.world.facilitator_a)
    page = html(client.get(f"/referrals/people/{ref.reg.head_a.pk}/new/?service={ref.service.pk}"))
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert f'value="{format_jalali(due)}"' in page
    assert f'<optgroup label="{ref.world.partner.name}">' in page
    assert f'data-due="{format_jalali(timezone.localdate() + datetime.timedelta(days=5))}"' in page
    assert 'data-testid="no-consent"' not in page


def test_sending_a_referral_from_the_form(ref, login):
    client = login(ref.world.facilitator_a)
    due = timezone.localdate() + datetime.timedelta(days=4)
    response = client.post(
        f"/referrals/people/{ref.reg.head_a.pk}/new/",
        {
            "service": ref.service.pk,
            "reason": "نیاز فوری",
            "urgency": "high",
            "due_on": format_jalali(due),
            "whole_household": "on",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == f"/referrals/{referral.pk}/"
    assert (referral.due_on, referral.urgency, referral.household) == (due, "high", ref.reg.household_a)
    page = html(client.get(response.url))
    assert "نیاز فوری" in page and ref.reg.head_a.full_name in page


def test_the_form_without_consent_warns_and_refuses_and_nothing_is_saved(ref, login):
    client = login(ref.world.facilitator_a)
    url = f"/referrals/people/{ref.reg.child_a.pk}/new/"
    assert 'data-testid="no-consent"' in html(client.get(url))
    response = client.post(url, {"service": ref.service.pk, "reason": "x", "urgency": "normal"})
    assert response.status_code == 200
    # The warning says it, once (issue 8.3): no second copy in the form's errors.
    assert 'data-testid="no-consent"' in html(response) and 'data-testid="form-errors"' not in html(response)
    assert not Referral.objects.exists() and not Notification.objects.exists()


def test_the_form_shows_errors_at_the_fields(ref, login):
    client = login(ref.world.facilitator_a)
    response = client.post(
        f"/referrals/people/{ref.reg.head_a.pk}/new/",
        {"service": "", "reason": "", "urgency": "normal", "due_on": "1402/13/40"},
    )
    page = html(response)
    for field in ("service", "reason", "due_on"):
        assert f'data-field-error="{field}"' in page
    assert not Referral.objects.exists()


def test_another_offices_resident_cannot_be_referred(ref, login):
    client = login(ref.world.facilitator_a)
    assert client.get(f"/referrals/people/{ref.reg.head_b.pk}/new/").status_code == 404
    assert login(ref.world.coordinator).get(f"/referrals/people/{ref.reg.head_a.pk}/new/").status_code == 404


# --------------------------------------------------------------------------- answering


def test_partner_accepts_starts_and_completes_from_the_pages(ref, login):
    referral = ref.refer()
    client = login(ref.world.partner_user)
    page = html(client.get(f"/referrals/{referral.pk}/"))
    assert 'data-action="accept"' in page and 'data-action="decline"' in page
    r = client.post(f"/referrals/{referral.pk}/accept/", {"version": version_token(referral)})
    assert r.status_code == 302
    referral.refresh_from_db()
    r = client.post(f"/referrals/{referral.pk}/start/", {"version": version_token(referral)})
    assert r.status_code == 302
    referral.refresh_from_db()
    r = client.post(
        f"/referrals/{referral.pk}/complete/",
        {"outcome": "delivered", "note": "تحویل شد", "version": version_token(referral)},
    )
    assert r.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (S.COMPLETED, "delivered")
    page = html(client.get(f"/referrals/{referral.pk}/"))
    assert 'data-testid="referral-actions"' not in page
    assert page.count('data-testid="referral-event"') == 4
    # The facilitator sees the outcome on the resident's timeline.
    page = html(login(ref.world.facilitator_a).get(f"/registry/people/{ref.reg.head_a.pk}/"))
    assert "تحویل شد" in page
    assert str(Referral.Outcome.DELIVERED.label) in page


def test_declining_without_a_reason_is_refused_at_the_field(ref, login):
    referral = ref.refer()
    client = login(ref.world.partner_user)
    response = client.post(
        f"/referrals/{referral.pk}/decline/", {"note": "", "version": version_token(referral)}
    )
    assert response.status_code == 200
    assert 'data-field-error="note"' in html(response)
    referral.refresh_from_db()
    assert referral.status == S.SENT


def test_completing_with_other_and_no_note_is_refused_at_the_field(ref, login):
    referral = move(ref.refer(), S.ACCEPTED)
    response = login(ref.world.partner_user).post(f"/referrals/{referral.pk}/complete/", {"outcome": "other"})
    assert 'data-field-error="note"' in html(response)
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED


def test_an_impossible_move_is_refused_with_a_message(ref, login):
    referral = move(ref.refer(), S.DECLINED)
    response = login(ref.world.partner_user).post(f"/referrals/{referral.pk}/accept/", {})
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in html(response)
    referral.refresh_from_db()
    assert referral.status == S.DECLINED


def test_a_stale_answer_is_refused(ref, login):
    referral = ref.refer()
    opened = version_token(referral)
    move(referral, S.ACCEPTED)
    response = login(ref.world.partner_user).post(
        f"/referrals/{referral.pk}/decline/", {"note": "x", "version": opened}
    )
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in html(response)
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED


def test_the_office_cancels_but_cannot_accept(ref, login):
    referral = ref.refer()
    client = login(ref.world.facilitator_a)
    page = html(client.get(f"/referrals/{referral.pk}/"))
    assert 'data-action="cancel"' in page and 'data-action="accept"' not in page
    response = client.post(f"/referrals/{referral.pk}/accept/", {})
    assert 'data-testid="form-errors"' in html(response)
    assert client.post(f"/referrals/{referral.pk}/cancel/", {"note": "اشتباه"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.CANCELLED
    assert client.post(f"/referrals/{referral.pk}/nonsense/", {}).status_code == 404
    assert client.get(f"/referrals/{referral.pk}/cancel/").status_code == 405


# --------------------------------------------------------------------------- timelines


def test_household_timeline_shows_sent_declined_and_completed_with_outcome(ref, login):
    move(ref.refer(), S.DECLINED)
    move(ref.refer(service=ref.other_service), S.ACCEPTED, S.COMPLETED)
    page = html(login(ref.world.facilitator_a).get(f"/registry/households/{ref.reg.household_a.pk}/"))
    assert page.count('data-kind="referral"') == 5
    assert "ظرفیت تکمیل است" in page  # the reason for declining
    assert page.count('data-testid="timeline-referral-link"') == 5


# --------------------------------------------------------------------------- partners


def test_partner_directory_and_page(ref, login):
    client = login(ref.world.facilitator_a)
    page = html(client.get("/referrals/partners/"))
    assert ref.world.partner.name in page and ref.service.name in page
    assert 'data-testid="add-partner"' not in page
    page = html(client.get(f"/referrals/partners/{ref.world.partner.pk}/"))
    assert ref.service.name in page and 'data-testid="edit-partner"' not in page
    assert client.get(f"/referrals/partners/{ref.world.partner.pk}/edit/").status_code == 404
    assert client.get("/referrals/partners/new/").status_code == 404


def test_a_partner_of_another_province_is_not_listed(ref, login):
    far = Partner.objects.create(name="خیریه شیراز", kind=Partner.Kind.CHARITY, province=ref.world.fars)
    national = Partner.objects.create(name="سازمان ملی", kind=Partner.Kind.GOVERNMENT)
    page = html(login(ref.world.facilitator_a).get("/referrals/partners/"))
    assert far.name not in page and national.name in page
    assert login(ref.world.facilitator_a).get(f"/referrals/partners/{far.pk}/").status_code == 404


def test_coordinator_creates_a_partner_and_a_service(world, login):
    client = login(world.coordinator)
    response = client.post(
        "/referrals/partners/new/",
        {"name": "گروه داوطلب", "kind": "volunteer", "province": world.kerman.pk, "answer_days": 5},
    )
    partner = Partner.objects.get(name="گروه داوطلب")
    assert response.url == f"/referrals/partners/{partner.pk}/"
    response = client.post(
        f"/referrals/partners/{partner.pk}/services/new/",
        {"name": "کلاس تقویتی", "answer_days": 3, "active": "on"},
    )
    assert response.status_code == 302
    assert Service.objects.get(partner=partner).answer_days == 3
    # A coordinator cannot edit an organisation of another province, nor a national one.
    far = Partner.objects.create(name="خیریه شیراز", kind=Partner.Kind.CHARITY, province=world.fars)
    national = Partner.objects.create(name="سازمان ملی", kind=Partner.Kind.GOVERNMENT)
    assert client.get(f"/referrals/partners/{far.pk}/edit/").status_code == 404
    assert client.get(f"/referrals/partners/{national.pk}/edit/").status_code == 404


def test_admin_edits_a_partner_and_a_stale_edit_is_refused(world, login):
    client = login(world.admin)
    partner = world.partner
    opened = version_token(partner)
    data = {"name": partner.name, "kind": partner.kind, "province": world.kerman.pk, "answer_days": 9}
    assert (
        client.post(f"/referrals/partners/{partner.pk}/edit/", {**data, "version": opened}).status_code == 302
    )
    response = client.post(
        f"/referrals/partners/{partner.pk}/edit/", {**data, "answer_days": 3, "version": opened}
    )
    assert response.status_code == 200 and 'data-testid="form-errors"' in html(response)
    partner.refresh_from_db()
    assert partner.answer_days == 9


def test_service_edit(ref, login):
    client = login(ref.world.admin)
    response = client.post(
        f"/referrals/services/{ref.service.pk}/edit/",
        {"name": "سبد غذایی ماهانه", "answer_days": 6, "version": version_token(ref.service)},
    )
    assert response.status_code == 302
    ref.service.refresh_from_db()
    assert (ref.service.name, ref.service.answer_days, ref.service.active) == ("سبد غذایی ماهانه", 6, False)


# --------------------------------------------------------------------------- stats


def test_stats_page(ref, login):
    move(ref.refer(), S.ACCEPTED, S.COMPLETED)
    page = html(login(ref.world.manager_a).get("/referrals/stats/"))
    assert 'data-testid="stats-row"' in page and ref.world.partner.name in page
    assert "۱۰۰٪" in page


# --------------------------------------------------------------------------- notifications


def test_bell_shows_the_unread_count_and_the_page_marks_read(ref, login, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "mahalleh.referrals.context_processors.notifications",
                ],
            },
        }
    ]
    referral = ref.refer()
    ref.refer(service=ref.other_service)
    client = login(ref.world.partner_user)
    page = html(client.get("/referrals/inbox/"))
    assert 'data-testid="bell-count">۱<' in page
    page = html(client.get("/referrals/notifications/"))
    assert page.count('data-testid="notification"') == 1 and 'data-read="0"' in page
    note = Notification.objects.get(user=ref.world.partner_user)
    response = client.get(f"/referrals/notifications/{note.pk}/")
    assert response.url == f"/referrals/{referral.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="bell-count"' not in html(client.get("/referrals/inbox/"))
    # Someone else's notification is a 404.
    other = Notification.objects.exclude(user=ref.world.partner_user).first()
    assert client.get(f"/referrals/notifications/{other.pk}/").status_code == 404


def test_mark_all_read(ref, login):
    ref.refer()
    client = login(ref.world.partner_user)
    assert client.post("/referrals/notifications/").status_code == 302
    assert not Notification.objects.filter(user=ref.world.partner_user, read_at=None).exists()


# --------------------------------------------------------------------------- consent detour (issue 8.3)


def test_the_consent_detour_returns_to_the_referral_form_with_what_was_typed(ref, login):
    child = ref.reg.child_a  # no referral consent
    client = login(ref.world.facilitator_a)
    create = f"/referrals/people/{child.pk}/new/"
    typed = {"service": ref.service.pk, "reason": "کودک کار؛ نیاز به سبد غذایی فوری", "urgency": "urgent"}
    # «ثبت رضایت» on the referral form keeps what was typed and opens the consent form.
    response = client.post(create, {**typed, "detour": "consent"})
    assert response.status_code == 302
    consent_url = response["Location"]
    assert consent_url.startswith(f"/registry/people/{child.pk}/consents/new/")
    form = html(client.get(consent_url))
    assert 'name="next"' in form
    next_url = re.search(r'name="next" value="([^"]+)"', form).group(1)
    # The consent is recorded, and the user is back on the referral form, the reason still there.
    today = format_jalali(timezone.localdate(), persian_digits=False)
    done = client.post(
        consent_url,
        {"purpose": "referral", "given": "yes", "on": today, "given_by": "مادر", "next": next_url},
    )
    assert done.status_code == 302 and done["Location"] == create
    page = html(client.get(create))
    assert 'data-testid="no-consent"' not in page
    assert "کودک کار؛ نیاز به سبد غذایی فوری" in page
    assert re.search(r'<option value="urgent" selected', page)
    sent = client.post(create, {**typed, "due_on": ""})
    assert sent.status_code == 302 and Referral.objects.filter(person=child).count() == 1


def test_the_consent_form_ignores_a_next_address_outside_the_site(ref, login):
    child = ref.reg.child_a
    client = login(ref.world.facilitator_a)
    today = format_jalali(timezone.localdate(), persian_digits=False)
    done = client.post(
        f"/registry/people/{child.pk}/consents/new/",
        {"purpose": "referral", "given": "yes", "on": today, "next": "https://evil.example/"},
    )
    assert done.status_code == 302 and done["Location"] == f"/registry/people/{child.pk}/"


def test_a_referral_without_consent_is_refused_with_one_message(ref, login):
    child = ref.reg.child_a
    client = login(ref.world.facilitator_a)
    response = client.post(
        f"/referrals/people/{child.pk}/new/", {"service": ref.service.pk, "reason": "x", "urgency": "normal"}
    )
    page = html(response)
    assert page.count('data-testid="no-consent"') == 1
    refusal = tr(
        "%(name)s has not given consent to be referred to partner organisations, or has withdrawn it. "
        "Record their consent first; the referral was not sent.",
        name=child.full_name,
    )
    assert refusal not in page  # the service's copy of the same news
    assert page.count('role="alert"') == 1
    assert not Referral.objects.filter(person=child).exists()


def test_the_service_list_names_the_partner_of_each_service(ref, login):
    page = html(login(ref.world.facilitator_a).get(f"/referrals/people/{ref.reg.head_a.pk}/new/"))
    assert f"{ref.service.name} — {ref.world.partner.name}" in page
    assert f"{ref.other_service.name} — {ref.world.other_partner.name}" in page
