"""Referrals API: partners and their services, referrals and their transitions, notifications.

The same selectors and services as the pages, so the same scope and the same rules:

- office staff see the referrals of their scope with the full record (`ReferralOut`) under
  `/api/v1/referrals/`;
- a partner user has their own inbox, `/api/v1/partner-referrals/`: only their organisation's
  referrals, and of each only the minimum personal data (`ReferralPartnerOut`: name, age group,
  mobile, reason, urgency, due date) — another organisation's referral is a 404 like any record
  out of scope. Each path has one audience and so one response shape (a client generated from
  the schema parses it without guessing); the other audience gets a 403 naming its own path;
- a refused transition is a 400 with the reason, the wrong side is a 403, a stale `version` a 409.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiTypes,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.permissions import IsVerifiedUser
from mahalleh.api.serializers import StrictInput
from mahalleh.audit.services import audit_record
from mahalleh.core.selectors import narrowed
from mahalleh.referrals import selectors, services
from mahalleh.referrals.models import Notification, Partner, Referral, ReferralEvent, Service
from mahalleh.registry import selectors as registry

# --------------------------------------------------------------------------- named enums


PartnerKindField = api.enum_field(Partner.Kind.choices, "PartnerKindEnum")
ReferralStatusField = api.enum_field(Referral.Status.choices, "ReferralStatusEnum")


# The status before a step; null for the first step (sending).
FromStatusField = api.blank_as_null_enum(Referral.Status.values, "ReferralFromStatusEnum")


UrgencyField = api.enum_field(Referral.Urgency.choices, "ReferralUrgencyEnum")


# The outcome of a completed referral; null until then.
OutcomeField = api.blank_as_null_enum(Referral.Outcome.values, "ReferralOutcomeEnum")
AgeGroupField = api.blank_as_null_enum(registry.AGE_GROUPS, "AgeGroupEnum")


TARGETS = [s for s in Referral.Status.values if s != Referral.Status.SENT]


TargetStatusField = api.enum_field([(s, s) for s in TARGETS], "ReferralTargetStatusEnum")


# --------------------------------------------------------------------------- partners and services


class ServiceOut(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "partner", *services.SERVICE_FIELDS]


class PartnerOut(serializers.ModelSerializer):
    kind = PartnerKindField(read_only=True)
    # Often empty: a plain string, not `format: email`.
    contact_email = serializers.CharField(read_only=True)
    services = ServiceOut(many=True, read_only=True)

    class Meta:
        model = Partner
        # Meta's body sees the module's `services`, not the field above.
        fields = ["id", *services.PARTNER_FIELDS, "services"]


class PartnerFilterIn(serializers.Serializer):
    kind = PartnerKindField(required=False)


@api.scoped_schema()
class PartnerViewSet(api.ScopedViewSet):
    """Partner organisations (national ones and those of your province) with their services.
    A partner user sees only their own organisation."""

    output = PartnerOut
    filter_in = PartnerFilterIn

    def list_selector(self, user, kind=None):
        return selectors.partner_list(user=user, kind=kind).prefetch_related("services")

    def retrieve(self, request, pk=None):
        partner = selectors.partner_get(user=request.user, pk=api.object_id(pk))
        return Response(PartnerOut(partner).data)


class ServiceFilterIn(serializers.Serializer):
    partner = api.IdField(required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


@api.scoped_schema()
class ServiceViewSet(api.ScopedViewSet):
    """The services partner organisations offer (ids for `service` when referring)."""

    output = ServiceOut
    filter_in = ServiceFilterIn

    def list_selector(self, user, active=None, partner=None):
        return narrowed(selectors.service_list(user=user, active=active), partner_id=partner)

    def retrieve(self, request, pk=None):
        return Response(ServiceOut(selectors.service_get(user=request.user, pk=api.object_id(pk))).data)


# --------------------------------------------------------------------------- referrals


class ReferralEventOut(serializers.ModelSerializer):
    from_status = FromStatusField(read_only=True)
    to_status = ReferralStatusField(read_only=True)
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = ReferralEvent
        fields = ["id", "from_status", "to_status", "note", "by", "by_name", "at"]

    def get_by_name(self, obj) -> str:
        return obj.by.display_name if obj.by_id else ""


class ReferralOut(api.VersionMixin, serializers.ModelSerializer):
    """A referral as the office sees it."""

    person_name = serializers.CharField(source="person.full_name", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    urgency = UrgencyField(read_only=True)
    status = ReferralStatusField(read_only=True)
    outcome = OutcomeField(read_only=True)
    overdue = serializers.BooleanField(read_only=True, help_text="Open and past the due date.")
    version = serializers.SerializerMethodField(
        help_text="Send it back with a transition: if the referral changed since, it is refused (409)."
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "person_name",
            "household",
            "office",
            "partner",
            "partner_name",
            "service",
            "service_name",
            "reason",
            "urgency",
            "due_on",
            "status",
            "overdue",
            "decline_reason",
            "outcome",
            "outcome_note",
            "created_by",
            "created_by_name",
            "created_at",
            "accepted_at",
            "closed_at",
            "version",
        ]


class ReferralDetailOut(ReferralOut):
    events = ReferralEventOut(many=True, read_only=True)

    class Meta(ReferralOut.Meta):
        fields = [*ReferralOut.Meta.fields, "events"]


class ReferralPartnerOut(serializers.Serializer):
    """A referral as the partner organisation sees it: the minimum personal data, no national
    code, birth date, address or household."""

    id = serializers.IntegerField()
    person_name = serializers.CharField()
    age_group = AgeGroupField()
    mobile = serializers.CharField()
    whole_household = serializers.BooleanField(help_text="The resident's whole household is referred.")
    service = serializers.IntegerField()
    service_name = serializers.CharField()
    office_name = serializers.CharField()
    referred_by = serializers.CharField()
    reason = serializers.CharField()
    urgency = UrgencyField()
    due_on = serializers.DateField()
    status = ReferralStatusField()
    overdue = serializers.BooleanField()
    decline_reason = serializers.CharField()
    outcome = OutcomeField()
    outcome_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_version(self, row) -> str:
        return row["updated_at"].isoformat() if row.get("updated_at") else ""


class ReferralPartnerDetailOut(ReferralPartnerOut):
    events = ReferralEventOut(many=True)


class ReferralCreateIn(StrictInput):
    person = api.IdField()
    service = api.IdField()
    reason = serializers.CharField(max_length=2000)
    urgency = UrgencyField(required=False, default=Referral.Urgency.NORMAL)
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: today + the service's days to answer.",
    )
    whole_household = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Refer the person's whole household (the person is the contact).",
    )


class ReferralTransitionIn(StrictInput):
    to_status = TargetStatusField(
        help_text="Partner: accepted, declined, in_progress, completed. Referring office: cancelled."
    )
    note = api.OptionalTextField(
        max_length=2000, help_text="Required to decline (the reason), and to complete with outcome `other`."
    )
    outcome = serializers.ChoiceField(
        choices=Referral.Outcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="To complete.",
    )
    version = api.version_in("referral", required=False)


class ReferralFilterIn(serializers.Serializer):
    status = ReferralStatusField(required=False)
    partner = api.IdField(required=False)
    person = api.IdField(required=False)
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="Only open referrals past due."
    )


class PartnerReferralFilterIn(serializers.Serializer):
    status = ReferralStatusField(required=False)
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="Only open referrals past due."
    )


class ForOfficeStaff(BasePermission):
    message = gettext_lazy("Partner organisations read their referrals at /api/v1/partner-referrals/.")

    def has_permission(self, request, view) -> bool:
        return not selectors.is_partner_user(request.user)


class ForPartnerUsers(BasePermission):
    message = gettext_lazy("This is the inbox of partner organisations; office staff use /api/v1/referrals/.")

    def has_permission(self, request, view) -> bool:
        return selectors.is_partner_user(request.user)


def _office_detail(referral):
    referral._prefetched_objects_cache = {"events": list(selectors.referral_events(referral=referral))}
    return ReferralDetailOut(referral).data


def _partner_detail(referral):
    row = selectors.partner_row(referral)
    row["events"] = list(selectors.referral_events(referral=referral))
    return ReferralPartnerDetailOut(row).data


def _transition(request, pk):
    """Apply one step for the caller; the referral as it is afterwards."""
    user = request.user
    referral = selectors.referral_get(user=user, pk=api.object_id(pk))
    d = api.valid_input(ReferralTransitionIn, request)
    services.referral_transition(
        actor=user,
        referral=referral,
        to_status=d["to_status"],
        note=d["note"],
        outcome=d["outcome"],
        version=d.get("version"),
        via="api",
    )
    return selectors.referral_get(user=user, pk=referral.pk)


def _retrieve(request, pk):
    referral = selectors.referral_get(user=request.user, pk=api.object_id(pk))
    audit_record(user=request.user, action="view", obj=referral, via="api")
    return referral


@api.scoped_schema(detail=ReferralDetailOut, create_in=ReferralCreateIn)
class ReferralViewSet(api.ScopedViewSet):
    """Referrals to partner organisations, as the office sees them (the full record). Partner
    users have their own inbox at `/api/v1/partner-referrals/`."""

    output = ReferralOut
    filter_in = ReferralFilterIn
    permission_classes = [IsVerifiedUser, ForOfficeStaff]

    def list_selector(self, user, status=None, overdue=False, partner=None, person=None):
        qs = selectors.referral_list(user=user, status=status, overdue=overdue)
        return narrowed(qs, partner_id=partner, person_id=person)

    def retrieve(self, request, pk=None):
        return Response(_office_detail(_retrieve(request, pk)))

    def create(self, request):
        user = request.user
        api.require_role(selectors.can_refer(user))
        d = api.valid_input(ReferralCreateIn, request)
        person = registry.person_get(user=user, pk=d["person"])
        service = api.chosen(
            selectors.services_for_person(person=person),
            "service",
            _("Choose a service that is offered in this resident's province."),
            pk=d["service"],
        )
        referral = services.referral_create(
            actor=user,
            person=person,
            service=service,
            reason=d["reason"],
            urgency=d["urgency"],
            due_on=d["due_on"],
            household=person.household if d["whole_household"] else None,
            via="api",
        )
        referral = selectors.referral_get(user=user, pk=referral.pk)
        return Response(_office_detail(referral), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReferralTransitionIn, responses={200: ReferralDetailOut, **api.STALE_RESPONSE})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Cancel the referral (with the reason in `note`). The partner's steps (accept, decline,
        start, complete) are taken in its inbox. Each step is kept in `events`."""
        return Response(_office_detail(_transition(request, pk)))


@api.scoped_schema(detail=ReferralPartnerDetailOut)
class PartnerReferralViewSet(api.ScopedViewSet):
    """The partner organisation's inbox: only its own referrals, with the minimum personal data
    (no national code, birth date, address or household). For partner users only."""

    output = ReferralPartnerOut
    filter_in = PartnerReferralFilterIn
    permission_classes = [IsVerifiedUser, ForPartnerUsers]

    def list_selector(self, user, status=None, overdue=False):
        return selectors.referral_list(user=user, status=status, overdue=overdue)

    def page_rows(self, page) -> list:
        return [selectors.partner_row(r) for r in page]

    def retrieve(self, request, pk=None):
        return Response(_partner_detail(_retrieve(request, pk)))

    @extend_schema(
        request=ReferralTransitionIn, responses={200: ReferralPartnerDetailOut, **api.STALE_RESPONSE}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Accept, decline (with the reason in `note`), start or complete (with an `outcome`) the
        referral. Each step is kept in `events` with who, when and the note."""
        return Response(_partner_detail(_transition(request, pk)))


# --------------------------------------------------------------------------- notifications


class NotificationOut(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "referral", "created_at", "read_at"]


class NotificationFilterIn(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()


@api.scoped_schema()
class NotificationViewSet(api.ScopedViewSet):
    """Your own notifications (new, accepted, declined, completed, cancelled and overdue referrals)."""

    output = NotificationOut
    filter_in = NotificationFilterIn

    def list_selector(self, user, unread=None):
        return selectors.notification_list(user=user, unread=unread)

    @extend_schema(request=None, responses=NotificationOut)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = selectors.notification_get(user=request.user, pk=api.object_id(pk))
        notification = services.notification_mark_read(user=request.user, notification=notification)
        return Response(NotificationOut(notification).data)

    @extend_schema(request=None, responses=MarkedOut)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your notifications read."""
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
