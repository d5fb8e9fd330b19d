from django.contrib import admin

from .models import Membership, Organization, User
from .sessions import user_sessions_end

# A change to these on the admin's user page ends the person's sessions and API tokens.
SESSION_ENDING_FIELDS = {"role", "is_superuser", "is_staff", "is_active", "groups", "user_permissions"}


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name")
    exclude = ("password",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & SESSION_ENDING_FIELDS:
            user_sessions_end(user=obj, reason="role_changed", actor=request.user)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change) -> None:
        """A membership's role changed or a membership added here: that person's sessions and
        tokens end (a promotion needs 2FA they never passed)."""
        super().save_formset(request, form, formset, change)
        changed = [obj for obj, fields in getattr(formset, "changed_objects", []) if "role" in fields]
        for membership in changed + list(getattr(formset, "new_objects", [])):
            user_sessions_end(user=membership.user, reason="role_changed", actor=request.user)
