"""Demo: the catalogue in force, and two saved plans of the demo developer, one of them asked
about (a request with the plan's PDF attached), so that an operator sees it from the request."""

from __future__ import annotations

from datetime import date

from stroydesk.accounts.models import User

from . import exports, selectors, services
from .loading import read_catalogue
from .models import SavedPlan

DEMO_PLANS = [
    (
        "ЖК на Полярной улице, 17 этажей",
        {
            "object_type": "residential_multi",
            "floors": 17,
            "height_m": 55,
            "total_area_m2": 24000,
            "connections": ["water", "heat", "power", "drainage"],
            "expertise": "state",
            "sells_off_plan": True,
        },
    ),
    (
        "Склад в Южном округе",
        {
            "object_type": "non_residential",
            "floors": 1,
            "height_m": 12,
            "total_area_m2": 5000,
            "connections": ["water", "power"],
            "expertise": "non_state",
        },
    ),
]


def demo_seed() -> str | None:
    """Idempotent: loads the catalogue when its version changed, adds the plans once."""
    loaded = services.catalogue_version()

    version, _ = read_catalogue()
    if loaded != version:
        services.catalogue_load(by="demo_data")
    owner = User.objects.filter(username="developer").first()
    if owner is None or SavedPlan.objects.filter(owner=owner).exists():
        return None
    start = date(2027, 2, 15)
    plans = [
        services.plan_save(owner=owner, profile=profile, start_date=start, title=title)
        for title, profile in DEMO_PLANS
    ]
    first = plans[0]
    pdf = exports.plan_pdf(selectors.saved_plan_compute(first), first.title)
    services.plan_ask(
        plan=first,
        by=owner,
        question="Можно ли начать продажи по ДДУ до получения заключения о соответствии?",
        pdf=pdf,
    )
    return f"procedures: catalogue {version}, {len(plans)} demo plans, one asked about"
