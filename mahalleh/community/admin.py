from django.contrib import admin

from mahalleh.community.models import CommunityGroup, Meeting, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["person"]
    fields = ["person", "role", "joined_on", "left_on"]


@admin.register(CommunityGroup)
class CommunityGroupAdmin(admin.ModelAdmin):
    """For support staff. Offices work on the group pages, whose services check every rule."""

    list_display = ["name", "kind", "office", "neighbourhood", "founded_on"]
    list_filter = ["kind", "office__county__province", "office"]
    search_fields = ["name", "office__name_fa", "office__code"]
    list_select_related = ["office", "neighbourhood"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["group", "date", "place"]
    list_filter = ["group__kind", "group__office"]
    search_fields = ["group__name", "place", "decisions"]
    date_hierarchy = "date"
    list_select_related = ["group"]
    raw_id_fields = ["group", "attendees", "recorded_by"]
