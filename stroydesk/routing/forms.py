"""The operator's confirmation of a suggestion."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import authority_list, topic_list


class ConfirmForm(forms.Form):
    """Topic and authority as the operator decides them, pre-filled from the suggestion."""

    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.none(), to_field_name="code"
    )
    authority = forms.ModelChoiceField(
        label=_("Competent authority"),
        queryset=Authority.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("— the center answers itself —"),
    )
    escalate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "routing_%s")
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topic_list().filter(parent__isnull=False)  # type: ignore[attr-defined]
        self.fields["authority"].queryset = authority_list()  # type: ignore[attr-defined]
