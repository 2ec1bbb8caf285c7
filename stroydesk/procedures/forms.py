"""The calculator's questions, each explained, with defaults that fit a typical Moscow project."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stroydesk.web.views import attach_errors

from . import selectors
from .rules import Profile

OBJECT_TYPE_CHOICES = [
    ("residential_multi", _("Multi-apartment residential building")),
    ("non_residential", _("Non-residential building (office, shop, warehouse…)")),
    ("individual_house", _("Individual house (up to 3 floors)")),
    ("linear", _("Linear object (road, pipeline, power line)")),
    ("reconstruction", _("Reconstruction of an existing building")),
    ("demolition", _("Demolition")),
]
FUNDING_CHOICES = [("private", _("Private money")), ("budget", _("Budget money"))]
CONNECTION_CHOICES = [
    ("water", _("Water and sewerage")),
    ("heat", _("Heat")),
    ("power", _("Electricity")),
    ("gas", _("Gas")),
    ("drainage", _("Surface drainage")),
]
EXPERTISE_CHOICES = [
    ("state", _("State expertise (Мосгосэкспертиза)")),
    ("non_state", _("Non-state expertise")),
    ("none", _("Not required")),
]


class PlanForm(forms.Form):
    """The project's profile and the start date; ``profile()`` gives the planner's input."""

    object_type = forms.ChoiceField(
        label=_("What do you build?"),
        choices=OBJECT_TYPE_CHOICES,
        initial="residential_multi",
        help_text=_("The type decides the route: permit or notices, expertise, sales."),
    )
    funding = forms.ChoiceField(
        label=_("Whose money?"),
        choices=FUNDING_CHOICES,
        initial="private",
        help_text=_("Budget projects go to state expertise and a check of the cost estimate."),
    )
    floors = forms.IntegerField(
        label=_("Above-ground floors"),
        min_value=0,
        max_value=200,
        initial=9,
        help_text=_("0 for a linear object. An individual house has at most 3."),
    )
    height_m = forms.FloatField(
        label=_("Height, m"), min_value=0, max_value=1000, initial=30, required=False
    )
    total_area_m2 = forms.FloatField(
        label=_("Total area, m²"),
        min_value=0,
        max_value=10_000_000,
        initial=12000,
        required=False,
        help_text=_(
            "Small non-residential objects (up to 2 floors and 1,500 m²) need no expertise."
        ),
    )
    heritage_zone = forms.BooleanField(
        label=_("The plot lies in a cultural heritage protection zone"),
        required=False,
        help_text=_("Then the heritage authority approves the project."),
    )
    connections = forms.MultipleChoiceField(
        label=_("Utilities to connect"),
        choices=CONNECTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["water", "heat", "power"],
        help_text=_("Each connection is its own agreement with the utility, in parallel."),
    )
    expertise = forms.ChoiceField(
        label=_("Expertise of the project"),
        choices=EXPERTISE_CHOICES,
        initial="state",
        help_text=_("A private developer may choose a non-state expertise."),
    )
    sells_off_plan = forms.BooleanField(
        label=_("Flats are sold off-plan (shared construction, 214-FZ)"),
        required=False,
        help_text=_("Adds the project declaration and the conclusion of conformity."),
    )
    works_days = forms.IntegerField(
        label=_("Duration of the works, calendar days"),
        min_value=0,
        max_value=3650,
        initial=0,
        required=False,
        help_text=_("0 shows the administrative time only."),
    )
    start_date = forms.DateField(
        label=_("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day you file the first application."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = timezone.localdate()

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            object_type=data["object_type"],
            funding=data["funding"],
            floors=data["floors"],
            height_m=data.get("height_m") or 0,
            total_area_m2=data.get("total_area_m2") or 0,
            heritage_zone=data["heritage_zone"],
            connections=frozenset(data["connections"]),
            expertise=data["expertise"],
            sells_off_plan=data["sells_off_plan"],
            works_days=data.get("works_days") or 0,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                selectors.profile_check(self.profile())
            except ValidationError as exc:
                attach_errors(self, exc)
        return data


class SaveForm(forms.Form):
    title = forms.CharField(
        label=_("Name of the plan"),
        max_length=200,
        required=False,
        help_text=_("For example, the project's address."),
    )


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("Your question about this plan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
