from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission


class IsVerifiedUser(BasePermission):
    """Signed in, active, and past the second factor where the role needs one.

    A token is only issued after the second factor, so token requests count as
    verified; a browser session must have passed the TOTP step.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if not user.needs_second_factor:
            return True
        if isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        return bool(getattr(request._request.user, "is_verified", lambda: False)())
