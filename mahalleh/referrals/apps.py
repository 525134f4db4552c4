from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "mahalleh.referrals"
    label = "referrals"
