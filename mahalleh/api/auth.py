from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from mahalleh.accounts.services import otp_wait_seconds, token_issue
from mahalleh.accounts.views import otp_wait_message
from mahalleh.api.base import valid_input
from mahalleh.api.serializers import StrictInput
from mahalleh.core.persian import to_latin_digits


class TokenRequestSerializer(StrictInput):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False, allow_blank=True, help_text=_("TOTP code, for roles that need one.")
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    username = serializers.CharField()
    role = serializers.CharField()


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenObtainView(APIView):
    """Exchange a username, a password and (where the role needs it) a TOTP code for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request):
        data = valid_input(TokenRequestSerializer, request)
        # authenticate() with the request runs django-axes, so the API locks out like the login page.
        user = authenticate(
            request._request,
            username=data["username"],
            password=data["password"],
        )
        if user is None:
            return Response(
                {"detail": _("Wrong username or password, or the account is locked for a while.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if user.needs_second_factor:
            code = to_latin_digits(data.get("otp") or "").strip()
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                return Response(
                    {"otp": [_("Set up your authenticator app by signing in on the web first.")]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            waiting = otp_wait_seconds(device)
            if waiting or not code or not device.verify_token(code):
                # Throttled before trying: only the wait. A wrong code: that, and the wait it earned.
                wait = waiting or otp_wait_seconds(device)
                message = "" if waiting else str(_("A valid TOTP code is required for your role."))
                if wait:
                    message = f"{message} {otp_wait_message(wait)}".strip()
                return Response({"otp": [message]}, status=status.HTTP_400_BAD_REQUEST)
        token = token_issue(user=user)
        return Response(
            TokenResponseSerializer({"token": token.key, "username": user.username, "role": user.role}).data
        )
