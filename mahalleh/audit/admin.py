from django.contrib import admin

from mahalleh.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only, even for superusers."""

    list_display = ["at", "user", "action", "object_type", "object_id", "object_repr", "via", "office"]
    list_filter = ["action", "object_type", "via"]
    search_fields = ["object_type", "object_id", "object_repr", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user", "office"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
