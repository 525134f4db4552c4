from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "mahalleh.evaluation"
    label = "evaluation"
    verbose_name = _("evaluation")

    def ready(self):
        from mahalleh.core import plugins
        from mahalleh.evaluation.selectors import can_read_results, can_survey

        plugins.nav_item(
            "evaluation",
            _("Evaluation"),
            "evaluation:index",
            allowed=lambda user: can_read_results(user) or can_survey(user),
            order=75,
        )
