"""The API's token authentication: DRF's, reusing the look-up the replica router already made."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from mahalleh.core.dbrouting import known_token_auth


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check. When the replica router has already looked this request's token up (on
    the primary, to know the user before routing it), that answer is taken: one query, not two,
    and never a token read from a replica that may not have it yet.

    The token's user comes with their office and its county (one query with joins): every list
    page of personal data is audited with the office and province of the caller (`user_place`),
    which would otherwise cost two more queries per request."""

    def authenticate(self, request):
        known = known_token_auth(request._request)
        if known is not None:
            return known
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__office__county").get(key=key)
        except model.DoesNotExist as missing:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from missing
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
