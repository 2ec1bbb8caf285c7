"""The words the portal shows for the domain's codes (statuses, channels, steps, roles).

They are kept here, translated in the portal's catalogue, so that every page reads in the
user's language whatever other apps translate.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STATUS = {
    "registered": _("Registered"),
    "in_progress": _("In progress"),
    "waiting_applicant": _("Waiting for the applicant"),
    "escalated": _("Escalated to an authority"),
    "under_review": _("Authority's answer under review"),
    "answered": _("Answered"),
    "closed": _("Closed"),
}

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

CHANNEL = {
    "portal": _("Portal"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "api": _("API"),
    "in_person": _("In person"),
    "open311": _("Open311"),
}

ACTION = {
    "register": _("Registered"),
    "take": _("Taken into work"),
    "answer": _("Answer sent to the applicant"),
    "escalate": _("Passed to an authority"),
    "reassign": _("Passed to another authority"),
    "assign": _("Assigned to an operator"),
    "authority_answer": _("The authority answered"),
    "decline": _("Returned by the authority: not its competence"),
    "send_back": _("Sent back to the authority"),
    "ask_clarification": _("Clarification requested"),
    "clarify": _("The applicant clarified"),
    "close": _("Closed"),
    "reopen": _("Reopened"),
    "note": _("Internal note"),
    "set_topic": _("Topic changed"),
    "rated": _("The answer was rated"),
    "message": _("Message from the applicant"),
    "authority_query": _("Question of the authority to the contact center"),
    "authority_query_reply": _("The contact center replied to the authority"),
}

ROLE = {
    "applicant": _("Applicant"),
    "operator": _("Operator"),
    "specialist": _("Specialist of an authority"),
    "supervisor": _("Supervisor"),
    "admin": _("Administrator"),
}

KIND = {
    "resident": _("Resident"),
    "developer": _("Developer organisation"),
}

ESCALATION_STATUS = {
    "open": _("Awaiting the authority's answer"),
    "answered": _("Answered by the authority"),
    "returned": _("Returned: not the authority's competence"),
    "reassigned": _("Reassigned to another authority"),
}

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
