"""The API's token authentication: DRF's, reusing the look-up the replica router already made."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from mahalleh.api.compiled import Compiled
from mahalleh.core.dbrouting import known_token_auth

# Every API call runs this query: its SQL is compiled once (see mahalleh.api.compiled).
TOKEN_WITH_USER = Compiled(
    lambda key: Token.objects.select_related("user__office__county").filter(key=key),
    key="(a token key: marks its place in the SQL)",
)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check. When the replica router has already looked this request's token up (on
    the primary, to know the user before routing it), that answer is taken: one query, not two,
    and never a token read from a replica that may not have it yet.

    The token's user comes with their office and its county (one query with joins): every list
    page of personal data is audited with the office and province of the caller (`user_place`),
    which would otherwise cost two more queries per request."""

    model = Token

    def authenticate(self, request):
        known = known_token_auth(request._request)
        if known is not None:
            return known
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        token = TOKEN_WITH_USER.first(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
