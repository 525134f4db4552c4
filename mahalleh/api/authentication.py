"""The API's token authentication: DRF's, reusing the look-up the replica router already made."""

from rest_framework import authentication

from mahalleh.core.dbrouting import known_token_auth


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check. When the replica router has already looked this request's token up (on
    the primary, to know the user before routing it), that answer is taken: one query, not two,
    and never a token read from a replica that may not have it yet."""

    def authenticate(self, request):
        known = known_token_auth(request._request)
        if known is not None:
            return known
        return super().authenticate(request)
