"""Accounts that need a second factor reach nothing but the second-factor pages until verified."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class SecondFactorMiddleware:
    OPEN_PREFIXES = (
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/second-factor/",
        "/i18n/",
        "/static/",
        # The API checks the second factor itself (token or verified session).
        "/api/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.needs_second_factor
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            # Encoded, so that a page with several query parameters comes back whole.
            return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
