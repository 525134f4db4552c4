from django.contrib import admin

from mahalleh.referrals.models import Notification, Partner, Referral, ReferralEvent, Service


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "answer_days", "active"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "province", "answer_days"]
    list_filter = ["kind", "province"]
    search_fields = ["name"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "answer_days", "active"]
    list_filter = ["active", "partner"]
    search_fields = ["name", "partner__name"]


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "note", "by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-only: referrals change only through the services (events, audit, notifications)."""

    list_display = ["pk", "partner", "service", "office", "status", "urgency", "due_on", "created_at"]
    list_filter = ["status", "urgency", "partner"]
    raw_id_fields = ["person", "household", "created_by"]
    inlines = [ReferralEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "message", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "referral"]

    def has_add_permission(self, request):
        return False
