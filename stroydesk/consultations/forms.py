"""Forms of the consultation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.consultations.models import Format


class PickForm(forms.Form):
    """Subject and format whose free days and times are shown."""

    subject = forms.ChoiceField(label=pgettext_lazy("consultations", "Subject"))
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    tz = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subjects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [  # type: ignore[attr-defined]
            (s.code, s.title) for s in subjects
        ]


class BookForm(forms.Form):
    """The chosen time and what the applicant brings to it."""

    subject = forms.CharField(widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=Format.choices, widget=forms.HiddenInput)
    start = forms.DateTimeField(widget=forms.HiddenInput)
    expert = forms.IntegerField(required=False, widget=forms.HiddenInput)
    question = forms.CharField(
        label=_("Your question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    request = forms.TypedChoiceField(
        label=_("One of your requests to discuss"), required=False, coerce=int, empty_value=None
    )
    plan_id = forms.IntegerField(label=_("Saved plan number"), required=False, min_value=1)
    plan_url = forms.URLField(
        label=_("Saved plan link"), required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args, requests=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (r.pk, f"{r.number} {r.subject}") for r in requests
        ]


class RescheduleForm(forms.Form):
    start = forms.DateTimeField(label=_("New time"), widget=forms.HiddenInput)


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the consultation"), widget=forms.Textarea(attrs={"rows": 5})
    )


class AgendaForm(forms.Form):
    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DetailsForm(forms.Form):
    """What the applicant adds before the meeting."""

    question = forms.CharField(
        label=_("Your question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    request = forms.TypedChoiceField(
        label=_("One of your requests to discuss"), required=False, coerce=int, empty_value=None
    )
    plan_id = forms.IntegerField(label=_("Saved plan number"), required=False, min_value=1)
    plan_url = forms.URLField(
        label=_("Saved plan link"), required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args, requests=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (r.pk, f"{r.number} {r.subject}") for r in requests
        ]
