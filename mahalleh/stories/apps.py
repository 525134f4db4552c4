from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "mahalleh.stories"
    verbose_name = _("Experience stories")

    def ready(self):
        from mahalleh.core import plugins
        from mahalleh.stories.selectors import can_read_stories

        plugins.nav_item("stories", _("Stories"), "stories:list", allowed=can_read_stories, order=75)
