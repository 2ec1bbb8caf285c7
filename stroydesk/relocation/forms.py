"""Forms of the relocation pages: binding, ordering, rescheduling, a question, the import."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.relocation.models import Building, Crew, Order, SpecialItem
from stroydesk.relocation.services import OrderDetails


class BindForm(forms.Form):
    old_building = forms.ModelChoiceField(
        label=_("Your building"),
        queryset=Building.objects.filter(kind=Building.Kind.OLD),
        help_text=_("The block you move out of."),
    )
    flat = forms.CharField(label=_("Flat"), max_length=20)
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The one-time code from your household's record (XXXX-XXXX)."),
    )


class SlotField(forms.ChoiceField):
    """A day and window as one choice «2026-12-08|09:00-13:00», from the free windows."""

    def __init__(self, *, slots: list[Any], **kwargs: Any) -> None:
        choices = [
            (
                f"{s.date.isoformat()}|{s.window}",
                f"{s.date.strftime('%d.%m.%Y')} {s.window} ({s.free})",
            )
            for s in slots
        ]
        super().__init__(choices=choices, **kwargs)


def split_slot(value: str) -> tuple[date, str]:
    day, _sep, window = value.partition("|")
    return date.fromisoformat(day), window


class OrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=Order.Kind.choices)
    rooms = forms.IntegerField(label=_("Rooms"), min_value=1, max_value=10, initial=2)
    volume_m3 = forms.IntegerField(
        label=_("Volume, m³"), min_value=1, max_value=200, required=False
    )
    floor_from = forms.IntegerField(label=_("Floor of the old flat"), min_value=-3, max_value=100)
    lift_from = forms.BooleanField(label=_("Lift in the old building"), required=False)
    floor_to = forms.IntegerField(label=_("Floor of the new flat"), min_value=-3, max_value=100)
    lift_to = forms.BooleanField(label=_("Lift in the new building"), required=False)
    special_items = forms.MultipleChoiceField(
        label=_("Special items"),
        choices=SpecialItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=16,
        help_text=pgettext_lazy("relocation", "As +7XXXXXXXXXX."),
    )

    def __init__(self, *args: Any, slots: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"] = SlotField(
            slots=slots, label=_("Day and window"), help_text=_("Places left in brackets.")
        )
        self.order_fields(["kind", "slot"])

    def details(self) -> OrderDetails:
        data = self.cleaned_data
        return OrderDetails(
            rooms=data["rooms"],
            volume_m3=data.get("volume_m3"),
            floor_from=data["floor_from"],
            floor_to=data["floor_to"],
            lift_from=data["lift_from"],
            lift_to=data["lift_to"],
            special_items=list(data["special_items"]),
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"].strip(),
        )


class RescheduleForm(forms.Form):
    def __init__(self, *args: Any, slots: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"] = SlotField(slots=slots, label=_("New day and window"))


class AskForm(forms.Form):
    subject = forms.CharField(
        label=pgettext_lazy("relocation", "Subject"), max_length=200, required=False
    )
    text = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 4}))


class ConfirmForm(forms.Form):
    crew = forms.ModelChoiceField(
        label=_("Crew"),
        queryset=Crew.objects.filter(is_active=True),
        required=False,
        help_text=_("Empty: the first free crew of the district."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"),
        choices=[
            ("auto", _("recognise (UTF-8 or cp1251)")),
            ("utf-8", "UTF-8"),
            ("cp1251", "Windows-1251"),
        ],
        initial="auto",
    )


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    district = forms.CharField(label=_("District"), required=False)
