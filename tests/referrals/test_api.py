"""The referrals API. Every answer is checked against the OpenAPI schema by the `api` client
(tests/api/conftest.py)."""

import datetime

import pytest
from django.utils import timezone

from mahalleh.referrals.models import Notification, Referral
from tests.referrals.conftest import move, tr

S = Referral.Status
pytestmark = pytest.mark.django_db


def test_schema_documents_the_referral_endpoints(openapi):
    paths = openapi.raw["paths"]
    assert set(paths["/api/v1/referrals/"]) == {"get", "post"}
    assert set(paths["/api/v1/referrals/{id}/"]) == {"get"}
    assert set(paths["/api/v1/referrals/{id}/transition/"]) == {"post"}
    assert set(paths["/api/v1/partner-referrals/"]) == {"get"}
    assert set(paths["/api/v1/partner-referrals/{id}/"]) == {"get"}
    assert set(paths["/api/v1/partner-referrals/{id}/transition/"]) == {"post"}
    assert set(paths["/api/v1/partners/"]) == {"get"}
    assert set(paths["/api/v1/partners/{id}/"]) == {"get"}
    assert set(paths["/api/v1/partner-services/"]) == {"get"}
    assert set(paths["/api/v1/notifications/"]) == {"get"}
    assert set(paths["/api/v1/notifications/{id}/read/"]) == {"post"}
    assert set(paths["/api/v1/notifications/read-all/"]) == {"post"}
    # One audience per path, so one shape per answer: no union a generated client must guess at.
    listing = paths["/api/v1/referrals/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "oneOf" not in str(listing) and "ReferralOut" in str(openapi.raw["components"]["schemas"])


def test_facilitator_creates_lists_and_retrieves(ref, api):
    client = api(ref.world.facilitator_a)
    response = client.post(
        "/api/v1/referrals/",
        {"person": ref.reg.head_a.pk, "service": ref.service.pk, "reason": "نیاز فوری", "urgency": "urgent"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "sent" and body["urgency"] == "urgent"
    assert body["due_on"] == (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    assert body["person"] == ref.reg.head_a.pk and body["office"] == ref.world.office_a.pk
    assert [e["to_status"] for e in body["events"]] == ["sent"]
    assert body["events"][0]["from_status"] is None
    assert [r["id"] for r in client.get("/api/v1/referrals/").json()["results"]] == [body["id"]]
    assert client.get(f"/api/v1/referrals/{body['id']}/").json()["reason"] == "نیاز فوری"


def test_create_without_consent_is_a_400_with_the_message_and_nothing_saved(ref, api):
    response = api(ref.world.facilitator_a).post(
        "/api/v1/referrals/",
        {"person": ref.reg.child_a.pk, "service": ref.service.pk, "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        tr(
            "%(name)s has not given consent to be referred to partner organisations, or has "
            "withdrawn it. Record their consent first; the referral was not sent.",
            name=ref.reg.child_a.full_name,
        )
    ]
    assert not Referral.objects.exists()


def test_create_by_a_partner_or_out_of_scope_is_refused(ref, api):
    data = {"person": ref.reg.head_a.pk, "service": ref.service.pk, "reason": "x"}
    assert api(ref.world.partner_user).post("/api/v1/referrals/", data, format="json").status_code == 403
    assert api(ref.world.facilitator_b).post("/api/v1/referrals/", data, format="json").status_code == 404
    bad = api(ref.world.facilitator_a).post("/api/v1/referrals/", {**data, "urgency": "now"}, format="json")
    assert bad.status_code == 400 and "urgency" in bad.json()
    assert not Referral.objects.exists()


def test_partner_accepts_and_completes_through_the_api(ref, api):
    referral = ref.refer()
    client = api(ref.world.partner_user)
    body = client.get(f"/api/v1/partner-referrals/{referral.pk}/").json()
    response = client.post(
        f"/api/v1/partner-referrals/{referral.pk}/transition/",
        {"to_status": "accepted", "version": body["version"]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = client.post(
        f"/api/v1/partner-referrals/{referral.pk}/transition/",
        {"to_status": "completed", "outcome": "no_show", "note": "مراجعه نکرد"},
        format="json",
    )
    body = response.json()
    assert (body["status"], body["outcome"], body["outcome_note"]) == ("completed", "no_show", "مراجعه نکرد")
    assert [e["to_status"] for e in body["events"]] == ["sent", "accepted", "completed"]
    assert "national_code" not in body and "person" not in body
    # The office reads the outcome in its own shape.
    office = api(ref.world.facilitator_a).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert (office["outcome"], office["person"]) == ("no_show", ref.reg.head_a.pk)


def test_each_audience_has_its_own_path_and_the_other_gets_a_403_naming_it(ref, api):
    referral = ref.refer()
    partner = api(ref.world.partner_user).get("/api/v1/referrals/")
    assert partner.status_code == 403 and "/api/v1/partner-referrals/" in partner.json()["detail"]
    office = api(ref.world.facilitator_a).get("/api/v1/partner-referrals/")
    assert office.status_code == 403 and "/api/v1/referrals/" in office.json()["detail"]
    rows = api(ref.world.partner_user).get("/api/v1/partner-referrals/").json()["results"]
    assert [r["id"] for r in rows] == [referral.pk] and rows[0]["outcome"] is None
    assert api(ref.other_partner_user).get("/api/v1/partner-referrals/").json()["results"] == []
    assert api(ref.other_partner_user).get(f"/api/v1/partner-referrals/{referral.pk}/").status_code == 404


def test_open_and_closed_referrals_give_null_or_a_valid_outcome_never_a_blank(ref, api):
    open_one = ref.refer()
    done = move(ref.refer(service=ref.other_service), S.ACCEPTED)
    api(ref.other_partner_user).post(
        f"/api/v1/partner-referrals/{done.pk}/transition/",
        {"to_status": "completed", "outcome": "delivered"},
        format="json",
    )
    rows = {r["id"]: r for r in api(ref.world.facilitator_a).get("/api/v1/referrals/").json()["results"]}
    assert (rows[open_one.pk]["outcome"], rows[done.pk]["outcome"]) == (None, "delivered")


def test_the_schema_checker_refuses_a_blank_outcome(ref, api, openapi):
    referral = ref.refer()
    item = api(ref.world.facilitator_a).get("/api/v1/referrals/").json()["results"][0]
    assert item["id"] == referral.pk
    body = {"results": [{**item, "outcome": ""}], "next": None, "previous": None}
    problems = openapi.errors(method="GET", path="/api/v1/referrals/", status=200, body=body)
    assert any(p.startswith("results/0/outcome") for p in problems), problems


def test_refused_transitions_answer_400_403_and_409(ref, api):
    referral = ref.refer()
    partner = api(ref.world.partner_user)
    office = api(ref.world.facilitator_a)
    url = f"/api/v1/partner-referrals/{referral.pk}/transition/"
    office_url = f"/api/v1/referrals/{referral.pk}/transition/"
    old = partner.get(f"/api/v1/partner-referrals/{referral.pk}/").json()["version"]
    # Not allowed from "sent".
    response = partner.post(url, {"to_status": "completed", "outcome": "delivered"}, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    # Declining needs a reason.
    response = partner.post(url, {"to_status": "declined"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    # The office cannot accept; the partner cannot cancel.
    assert office.post(office_url, {"to_status": "accepted"}, format="json").status_code == 403
    assert partner.post(url, {"to_status": "cancelled"}, format="json").status_code == 403
    assert partner.post(url, {"to_status": "sent"}, format="json").status_code == 400
    # A change since the version was read.
    move(referral, S.ACCEPTED)
    response = partner.post(url, {"to_status": "in_progress", "version": old}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "stale"
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    assert (
        office.post(office_url, {"to_status": "cancelled", "note": "x"}, format="json").json()["status"]
        == "cancelled"
    )


def test_list_filters(ref, api):
    late = ref.refer()
    Referral.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    other = move(ref.refer(service=ref.other_service), S.ACCEPTED)
    client = api(ref.world.manager_a)

    def ids(**params):
        return [r["id"] for r in client.get("/api/v1/referrals/", params).json()["results"]]

    assert ids(overdue="true") == [late.pk]
    assert ids(status="accepted") == [other.pk]
    assert ids(partner=ref.world.partner.pk) == [late.pk]
    assert ids(person=ref.reg.head_a.pk) == [other.pk, late.pk]
    assert client.get("/api/v1/referrals/", {"status": "lost"}).status_code == 400
    assert client.get("/api/v1/referrals/abc/").status_code == 404
    assert client.get(f"/api/v1/referrals/{10**30}/").status_code == 404


def test_partners_and_services_for_staff(ref, api):
    client = api(ref.world.facilitator_a)
    partners = client.get("/api/v1/partners/").json()["results"]
    assert {p["id"] for p in partners} == {ref.world.partner.pk, ref.world.other_partner.pk}
    mine = client.get(f"/api/v1/partners/{ref.world.partner.pk}/").json()
    assert [s["name"] for s in mine["services"]] == [ref.service.name]
    assert (
        client.get("/api/v1/partners/", {"kind": "ngo"}).json()["results"][0]["id"]
        == ref.world.other_partner.pk
    )
    services = client.get("/api/v1/partner-services/", {"partner": ref.world.other_partner.pk}).json()[
        "results"
    ]
    assert [s["id"] for s in services] == [ref.other_service.pk]
    assert client.get(f"/api/v1/partner-services/{ref.service.pk}/").json()["answer_days"] == 10


def test_notifications_list_and_mark_read(ref, api):
    ref.refer()
    ref.refer(person=ref.reg.head_a, service=ref.other_service)
    client = api(ref.world.partner_user)
    rows = client.get("/api/v1/notifications/").json()["results"]
    assert [r["kind"] for r in rows] == ["new"] and rows[0]["read_at"] is None
    response = client.post(f"/api/v1/notifications/{rows[0]['id']}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []
    other = Notification.objects.exclude(user=ref.world.partner_user).first()
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    other_client = api(ref.other_partner_user)
    assert other_client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert other_client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}


def test_retrieving_a_referral_is_audited(ref, api):
    from mahalleh.audit.models import AuditEntry

    referral = ref.refer()
    api(ref.world.partner_user).get(f"/api/v1/partner-referrals/{referral.pk}/")
    assert AuditEntry.objects.filter(
        user=ref.world.partner_user, action="view", object_type="referral", via="api"
    ).exists()
