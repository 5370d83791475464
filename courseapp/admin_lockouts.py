"""The login lockouts in the admin (django-axes' own admin classes), for superusers only.

Axes' models carry no course, so no instructor may see them, whatever permissions a group
happens to hold: every permission check here asks for a superuser.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting an attempt lifts that lockout, like `manage.py axes_reset_username`.
        return request.user.is_active and request.user.is_superuser


@admin.register(AccessAttempt)
class LockoutAttemptAdmin(SuperuserOnly, AccessAttemptAdmin):
    pass


@admin.register(AccessFailureLog)
class LockoutFailureLogAdmin(SuperuserOnly, AccessFailureLogAdmin):
    pass


@admin.register(AccessLog)
class LockoutAccessLogAdmin(SuperuserOnly, AccessLogAdmin):
    pass
