from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from mahalleh.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = User.SUMMARY_FIELDS
    list_filter = ["role", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Mahalleh", {"fields": ["role", "province", "office", "partner", "mobile"]}),
    ]
