"""Renovation relocation help: who moves from where to where and when, the crews that move them,
their daily capacity, and the families' orders with their history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Window(models.TextChoices):
    """The time windows of a service day; the value is the label the API shows."""

    MORNING = "09:00-13:00", _("09:00–13:00")
    AFTERNOON = "14:00-18:00", _("14:00–18:00")


class SpecialItem(models.TextChoices):
    """Things that need more hands or a special way of carrying."""

    PIANO = "piano", _("piano")
    SAFE = "safe", _("safe")
    LARGE_APPLIANCES = "large_appliances", _("large appliances")
    AQUARIUM = "aquarium", _("aquarium")
    OTHER = "other", _("other heavy item")


class Building(models.Model):
    """A block of the renovation programme: an old one being resettled or a new one moved into."""

    class Kind(models.TextChoices):
        OLD = "old", _("old building (resettled)")
        NEW = "new", _("new building")

    kind = models.CharField(
        pgettext_lazy("relocation", "kind"),
        max_length=8,
        choices=Kind.choices,
        help_text=_("Old block or new block."),
    )
    address = models.CharField(
        _("address"), max_length=300, help_text=_("Street address as in the resettlement list.")
    )
    district = models.CharField(
        _("district"),
        max_length=100,
        db_index=True,
        help_text=_("The city district; crews and capacity are planned by district."),
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["district", "address"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "address"], name="relocation_building_unique")
        ]

    def __str__(self) -> str:
        return self.address


class Household(models.Model):
    """A family of an old block: its old and new flat, the contract and keys, its move window,
    the one-time code that binds a resident's account to it (only its hash is kept)."""

    old_building = models.ForeignKey(
        Building,
        verbose_name=_("old building"),
        on_delete=models.PROTECT,
        related_name="households_out",
        help_text=_("The block the family moves out of."),
    )
    old_flat = models.CharField(_("old flat"), max_length=20, help_text=_("Flat number there."))
    new_building = models.ForeignKey(
        Building,
        verbose_name=_("new building"),
        on_delete=models.PROTECT,
        related_name="households_in",
        help_text=_("The block the family moves into."),
    )
    new_flat = models.CharField(_("new flat"), max_length=20, help_text=_("Flat number there."))
    head_name = models.CharField(
        _("head of the household"), max_length=200, help_text=_("Who signed the contract.")
    )
    phone = models.CharField(
        _("phone"), max_length=16, blank=True, help_text=_("As +7XXXXXXXXXX; for text messages.")
    )
    email = models.EmailField(
        pgettext_lazy("relocation", "e-mail"), blank=True, help_text=_("For letters about orders.")
    )
    contract_signed_on = models.DateField(
        _("contract signed on"), help_text=_("The service opens to the family from this day.")
    )
    keys_handed_on = models.DateField(
        _("keys handed over on"),
        null=True,
        blank=True,
        help_text=_("When the family got the keys of the new flat."),
    )
    window_start = models.DateField(
        _("move window from"), help_text=_("First day the family may move.")
    )
    window_end = models.DateField(_("move window to"), help_text=_("Last day the family may move."))
    code_hash = models.CharField(
        _("binding code hash"),
        max_length=128,
        blank=True,
        help_text=_("Keyed hash of the one-time code from the household's record."),
    )
    code_attempts = models.PositiveSmallIntegerField(
        _("wrong code attempts"),
        default=0,
        help_text=_("Wrong codes entered; at the limit the code is locked until a new one."),
    )
    resident = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="household",
        help_text=_("The account bound to the flat by the code."),
    )
    bound_at = models.DateTimeField(
        _("bound at"), null=True, blank=True, help_text=_("When the code was used.")
    )
    imported_at = models.DateTimeField(
        _("imported at"), auto_now_add=True, help_text=_("When the row came in.")
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["old_building", "old_flat"]
        constraints = [
            models.UniqueConstraint(
                fields=["old_building", "old_flat"], name="relocation_household_flat_unique"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")),
                name="relocation_household_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_building}, кв. {self.old_flat}"


class Dispatcher(models.Model):
    """A staff member who plans the moves. A profile rather than a new role of accounts: the
    dispatcher stays an operator (or supervisor) of the center and only gains this workspace;
    supervisors and administrators may dispatch without it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="relocation_dispatcher",
        help_text=_("A staff account that may plan moves."),
    )
    is_active = models.BooleanField(
        pgettext_lazy("relocation", "active"),
        default=True,
        help_text=_("Switch off instead of deleting."),
    )

    class Meta:
        verbose_name = _("dispatcher")
        verbose_name_plural = _("dispatchers")

    def __str__(self) -> str:
        return str(self.user)


class Crew(models.Model):
    """A crew of movers with its truck, working in one district, one job per time window."""

    name = models.CharField(
        pgettext_lazy("relocation", "name"),
        max_length=100,
        unique=True,
        help_text=_("E.g. «Бригада 3»."),
    )
    district = models.CharField(
        _("district"), max_length=100, db_index=True, help_text=_("Where the crew works.")
    )
    truck = models.CharField(
        _("truck"), max_length=40, blank=True, help_text=_("Plate number of the crew's truck.")
    )
    foreman_phone = models.CharField(
        _("foreman's phone"), max_length=16, blank=True, help_text=_("For the route sheet.")
    )
    is_active = models.BooleanField(
        pgettext_lazy("relocation", "active"),
        default=True,
        help_text=_("Only active crews give capacity."),
    )

    class Meta:
        verbose_name = _("crew")
        verbose_name_plural = _("crews")
        ordering = ["district", "name"]

    def __str__(self) -> str:
        return self.name


class Capacity(models.Model):
    """Places of one district on one day in one window: one per active crew (a crew takes one
    job, a move or a delivery, per window).

    ``used`` moves only by a conditional update (``used < total``) inside the order's
    transaction, and a check constraint backs it: two families racing for the last place never
    both get it, on SQLite or PostgreSQL.
    """

    district = models.CharField(_("district"), max_length=100, help_text=_("City district."))
    date = models.DateField(_("date"), help_text=_("Service day."))
    window = models.CharField(
        _("window"), max_length=11, choices=Window.choices, help_text=_("Time window.")
    )
    total = models.PositiveIntegerField(
        _("places"), help_text=_("How many jobs the district's crews take in this window.")
    )
    used = models.PositiveIntegerField(_("taken"), default=0, help_text=_("Places taken."))

    class Meta:
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")
        ordering = ["date", "district", "window"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "date", "window"], name="relocation_capacity_unique"
            ),
            models.CheckConstraint(
                condition=Q(used__lte=F("total")), name="relocation_capacity_not_over"
            ),
        ]
        indexes = [models.Index(fields=["date", "district"], name="relocation_cap_date")]

    def __str__(self) -> str:
        return f"{self.district} {self.date} {self.window}: {self.used}/{self.total}"

    def clean(self) -> None:
        if self.total < self.used:
            raise ValidationError(
                {"total": [_("Fewer places than taken: cancel or move orders first.")]}
            )


class Order(models.Model):
    """A family's order: packing materials delivered, or the move itself, on a day and window."""

    class Kind(models.TextChoices):
        MOVE = "move", _("move")
        MATERIALS = "materials", _("packing materials delivery")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("ordered")
        CONFIRMED = "confirmed", _("confirmed")
        MATERIALS_DELIVERED = "materials_delivered", _("materials delivered")
        MOVED = "moved", _("moved")
        CLOSED = "closed", pgettext_lazy("relocation", "closed")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.ORDERED, Status.CONFIRMED)

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("The family the order is for."),
    )
    kind = models.CharField(
        pgettext_lazy("relocation", "kind"),
        max_length=10,
        choices=Kind.choices,
        help_text=_("Move or materials."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.ORDERED,
        help_text=_("Changes only through the lifecycle's steps."),
    )
    version = models.PositiveIntegerField(
        _("version"), default=0, help_text=_("Grows with each step (compare-and-set).")
    )
    date = models.DateField(_("date"), help_text=_("Service day."))
    window = models.CharField(
        _("window"), max_length=11, choices=Window.choices, help_text=_("Time window.")
    )
    district = models.CharField(
        _("district"), max_length=100, help_text=_("District of the old building (crews' area).")
    )
    rooms = models.PositiveSmallIntegerField(
        _("rooms"), default=1, help_text=_("Rooms to move out of.")
    )
    volume_m3 = models.PositiveSmallIntegerField(
        _("volume, m³"), null=True, blank=True, help_text=_("Estimated volume, if known.")
    )
    floor_from = models.SmallIntegerField(_("floor (old flat)"), help_text=_("Floor moved from."))
    floor_to = models.SmallIntegerField(_("floor (new flat)"), help_text=_("Floor moved to."))
    lift_from = models.BooleanField(_("lift (old building)"), help_text=_("Is there a lift."))
    lift_to = models.BooleanField(_("lift (new building)"), help_text=_("Is there a lift."))
    special_items = models.JSONField(
        _("special items"),
        default=list,
        blank=True,
        help_text=_("Piano, safe, large appliances: they need more hands."),
    )
    contact_name = models.CharField(
        _("contact person"), max_length=200, blank=True, help_text=_("Who meets the crew.")
    )
    contact_phone = models.CharField(
        _("contact phone"), max_length=16, help_text=_("As +7XXXXXXXXXX; gets text messages.")
    )
    crew = models.ForeignKey(
        Crew,
        verbose_name=_("crew"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("Set when the dispatcher confirms."),
    )
    reschedules = models.PositiveSmallIntegerField(
        _("reschedules"), default=0, help_text=_("How many times the date was moved.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ordered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The resident who ordered."),
    )
    created_at = models.DateTimeField(_("ordered at"), help_text=_("When it was ordered."))
    updated_at = models.DateTimeField(
        pgettext_lazy("relocation", "changed at"), help_text=_("Last step.")
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["date", "window", "id"]
        constraints = [
            # One live order of each kind per family; a second one is a reschedule instead.
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(status__in=["ordered", "confirmed"]),
                name="relocation_order_one_active",
            ),
            # A crew takes one job per window.
            models.UniqueConstraint(
                fields=["crew", "date", "window"],
                condition=Q(crew__isnull=False) & ~Q(status="cancelled"),
                name="relocation_order_crew_window",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "district", "status"], name="relocation_order_day"),
            models.Index(fields=["status", "id"], name="relocation_order_status"),
            models.Index(fields=["created_at"], name="relocation_order_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.date} {self.window}"

    @property
    def special_item_labels(self) -> list[str]:
        """The special items in the reader's language."""
        labels = dict(SpecialItem.choices)
        return [str(labels.get(item, item)) for item in self.special_items]

    @property
    def done_step(self) -> str:
        """The lifecycle's action that marks this kind of job done."""
        return "move" if self.kind == self.Kind.MOVE else "deliver"


class OrderHistory(models.Model):
    """One step of an order (who, when, from, to); appended, never changed."""

    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="history",
        help_text=_("The order the step belongs to."),
    )
    action = models.CharField(_("action"), max_length=20, help_text=_("The lifecycle's action."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who took the step."),
    )
    at = models.DateTimeField(_("at"), help_text=_("When."))
    from_status = models.CharField(
        pgettext_lazy("relocation", "from"), max_length=20, blank=True, help_text=_("Before.")
    )
    to_status = models.CharField(
        pgettext_lazy("relocation", "to"), max_length=20, help_text=_("After.")
    )
    data = models.JSONField(_("details"), default=dict, blank=True, help_text=_("E.g. old date."))

    class Meta:
        verbose_name = _("order history row")
        verbose_name_plural = _("order history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class OrderRequest(models.Model):
    """A contact-center request opened from an order: the link both ways, keyed by the request."""

    request_id = models.BigIntegerField(
        _("request id"), primary_key=True, help_text=_("The contact center's request.")
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="requests",
        help_text=_("The order the question is about."),
    )
    number = models.CharField(
        _("request number"), max_length=30, help_text=_("Registration number, for showing.")
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True, help_text=_("When."))

    class Meta:
        verbose_name = _("request from an order")
        verbose_name_plural = _("requests from orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number
