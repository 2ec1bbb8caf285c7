"""The words the portal shows for the domain's codes (statuses, channels, steps, roles).

The domain's own words are its choices' labels (one vocabulary: ``History.Action``,
``Request.Status``…), translated in their apps' catalogues; only the portal's own readings (the
status as the applicant reads it, the queue's views) are written here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases.models import Escalation, History, Request

STATUS = dict(Request.Status.choices)

# How the applicant reads the status: what is happening with their question now.
STATUS_FOR_APPLICANT = {
    "registered": _("Registered, waiting for an operator"),
    "in_progress": _("An operator is working on it"),
    "waiting_applicant": _("We need your clarification"),
    "escalated": _("With the competent authority"),
    "under_review": _("The answer is being prepared"),
    "answered": _("Answered"),
    "closed": _("Closed"),
}

CHANNEL = dict(Request.Channel.choices)
ACTION = dict(History.Action.choices)
ROLE = dict(User.Role.choices)
KIND = dict(Applicant.Kind.choices)
ESCALATION_STATUS = dict(Escalation.Status.choices)

QUEUE_VIEW = {
    "open": _("All open"),
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "escalated": _("Escalated"),
    "review": _("To review"),
    "questions": _("Questions from authorities"),
    "due_today": _("Due today"),
    "overdue": _("Overdue"),
    "all": _("All"),
}
