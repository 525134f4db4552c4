"""What the referrals app adds to a resident's page: the "Refer" button and the referral table."""

from django.template.loader import render_to_string
from django.utils import timezone

from mahalleh.core import plugins
from mahalleh.referrals import selectors
from mahalleh.registry.models import Person


@plugins.panel("person_actions", order=30)
def refer_button(request, *, person) -> str | None:
    if not (selectors.can_refer(request.user) and person.status == Person.Status.ACTIVE):
        return None
    return render_to_string("referrals/_refer_button.html", {"person": person}, request=request)


@plugins.panel("person", order=50)
def referrals_of_person(request, *, person) -> str:
    referrals = selectors.referral_list(user=request.user, person=person, today=timezone.localdate())
    return render_to_string("referrals/_person_panel.html", {"referrals": referrals}, request=request)
