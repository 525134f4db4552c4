from django.contrib import admin

from mahalleh.activities.models import Activity, Attendance, Enrolment, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["date", "start_time", "end_time", "topic"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "office", "facilitator", "starts_on", "ends_on"]
    list_filter = ["kind", "sex"]
    search_fields = ["title", "place"]
    raw_id_fields = ["office", "facilitator", "partner"]
    date_hierarchy = "starts_on"
    inlines = [SessionInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["person", "activity", "enrolled_on", "left_on"]
    raw_id_fields = ["activity", "person", "enrolled_by"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "present", "walk_in", "recorded_at"]
    list_filter = ["present", "walk_in"]
    raw_id_fields = ["session", "person", "recorded_by"]
