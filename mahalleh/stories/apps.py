from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "mahalleh.stories"
    verbose_name = _("Experience stories")
