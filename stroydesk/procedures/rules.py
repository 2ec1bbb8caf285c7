"""The project profile and the small rule language that says when a procedure applies.

Pure Python, no Django models: the catalogue's ``applies_when`` is a dict of clauses, all of
which must hold (an empty dict always holds); ``{"any": [rule, …]}`` holds when one of its rules
does. ``check_rule`` refuses unknown clauses while loading, so a typo in the data cannot silently
make a procedure apply to everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop

OBJECT_TYPES = (
    "residential_multi",
    "non_residential",
    "individual_house",
    "linear",
    "reconstruction",
    "demolition",
)
FUNDING = ("private", "budget")
CONNECTIONS = ("water", "heat", "power", "gas", "drainage")
EXPERTISE = ("state", "non_state", "none")

# ГрК РФ ст. 1 п. 39: an individual house has at most 3 above-ground floors and is at most 20 m.
IZHS_MAX_FLOORS = 3
IZHS_MAX_HEIGHT_M = 20


@dataclass(frozen=True)
class Profile:
    """What the applicant builds; the planner's only input besides the start date."""

    object_type: str = "residential_multi"
    funding: str = "private"
    floors: int = 1
    height_m: float = 0
    total_area_m2: float = 0
    heritage_zone: bool = False
    connections: frozenset[str] = field(default_factory=frozenset)
    expertise: str = "state"
    sells_off_plan: bool = False
    works_days: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        values = dict(data)
        values["connections"] = frozenset(values.get("connections") or ())
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, connections in the catalogue's order (stable for saved plans)."""
        return {
            "object_type": self.object_type,
            "funding": self.funding,
            "floors": self.floors,
            "height_m": self.height_m,
            "total_area_m2": self.total_area_m2,
            "heritage_zone": self.heritage_zone,
            "connections": [c for c in CONNECTIONS if c in self.connections],
            "expertise": self.expertise,
            "sells_off_plan": self.sells_off_plan,
            "works_days": self.works_days,
        }


@dataclass(frozen=True)
class Conflict:
    """Two answers of a profile that cannot both be true; ``fields`` are the ones to fix."""

    fields: tuple[str, ...]
    message: str  # English source text; callers translate it


def profile_conflicts(p: Profile) -> list[Conflict]:
    """Every contradiction in the profile, each naming the fields and the reason (with the law)."""
    out: list[Conflict] = []

    def add(fields: tuple[str, ...], message: str) -> None:
        out.append(Conflict(fields, message))

    if p.object_type == "individual_house":
        if p.floors > IZHS_MAX_FLOORS:
            add(
                ("object_type", "floors"),
                gettext_noop(
                    "An individual house has at most 3 above-ground floors "
                    "(Town Planning Code Art. 1 item 39)."
                ),
            )
        if p.height_m > IZHS_MAX_HEIGHT_M:
            add(
                ("object_type", "height_m"),
                gettext_noop(
                    "An individual house is at most 20 m high (Town Planning Code Art. 1 item 39)."
                ),
            )
        if p.expertise != "none":
            add(
                ("object_type", "expertise"),
                gettext_noop(
                    "The project of an individual house is not subject to expertise "
                    "(Town Planning Code Art. 49 part 2)."
                ),
            )
    if p.sells_off_plan and p.object_type not in ("residential_multi", "non_residential"):
        add(
            ("object_type", "sells_off_plan"),
            gettext_noop(
                "Only a multi-apartment building or another new building can be sold off-plan "
                "(Law 214-FZ Art. 1); not this object type."
            ),
        )
    if p.object_type == "demolition":
        if p.connections:
            add(
                ("object_type", "connections"),
                gettext_noop("A demolition needs no utility connections."),
            )
        if p.expertise != "none":
            add(
                ("object_type", "expertise"),
                gettext_noop("A demolition works plan is not subject to expertise."),
            )
    if p.funding == "budget" and p.expertise == "non_state":
        add(
            ("funding", "expertise"),
            gettext_noop(
                "A budget-funded project goes to state expertise, not a non-state one "
                "(Town Planning Code Art. 49)."
            ),
        )
    if p.expertise == "none" and not _expertise_exempt(p):
        add(
            ("object_type", "expertise"),
            gettext_noop(
                "This object's project documentation is subject to expertise: only individual "
                "houses, demolitions and non-residential objects of at most 2 floors and "
                "1,500 m² are exempt (Town Planning Code Art. 49 part 2)."
            ),
        )
    return out


def _expertise_exempt(p: Profile) -> bool:
    if p.object_type in ("individual_house", "demolition"):
        return True
    return (
        p.object_type in ("non_residential", "reconstruction")
        and p.floors <= 2
        and p.total_area_m2 <= 1500
    )


RULE_KEYS: dict[str, str] = {
    "object_type": "list",
    "funding": "list",
    "expertise": "list",
    "connections_any": "list",
    "sells_off_plan": "bool",
    "heritage_zone": "bool",
    "floors_min": "number",
    "floors_max": "number",
    "height_m_min": "number",
    "total_area_m2_min": "number",
    "total_area_m2_max": "number",
    "any": "rules",
}

_ALLOWED_VALUES = {
    "object_type": OBJECT_TYPES,
    "funding": FUNDING,
    "expertise": EXPERTISE,
    "connections_any": CONNECTIONS,
}


class RuleError(ValueError):
    """A rule in the data is malformed: names the clause."""


def check_rule(rule: Any, where: str = "rule") -> None:
    """Refuse what ``applies`` could not evaluate: unknown keys, values of the wrong kind."""
    if not isinstance(rule, dict):
        raise RuleError(f"{where}: a rule is an object, got {type(rule).__name__}")
    for key, value in rule.items():
        kind = RULE_KEYS.get(key)
        if kind is None:
            raise RuleError(f"{where}: unknown clause {key!r} (known: {', '.join(RULE_KEYS)})")
        if kind == "list":
            if not isinstance(value, list) or not value:
                raise RuleError(f"{where}: {key} needs a non-empty list")
            unknown = [v for v in value if v not in _ALLOWED_VALUES[key]]
            if unknown:
                raise RuleError(f"{where}: {key} has unknown values {unknown}")
        elif kind == "bool" and not isinstance(value, bool):
            raise RuleError(f"{where}: {key} needs true or false")
        elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise RuleError(f"{where}: {key} needs a number")
        elif kind == "rules":
            if not isinstance(value, list) or not value:
                raise RuleError(f"{where}: any needs a non-empty list of rules")
            for i, sub in enumerate(value):
                check_rule(sub, f"{where}.any[{i}]")


def applies(rule: Mapping[str, Any], p: Profile) -> bool:
    """Whether every clause of the rule holds for the profile (an empty rule always holds)."""
    for key, value in rule.items():
        if key == "object_type" and p.object_type not in value:
            return False
        if key == "funding" and p.funding not in value:
            return False
        if key == "expertise" and p.expertise not in value:
            return False
        if key == "connections_any" and not (p.connections & set(value)):
            return False
        if key == "sells_off_plan" and p.sells_off_plan is not value:
            return False
        if key == "heritage_zone" and p.heritage_zone is not value:
            return False
        if key == "floors_min" and p.floors < value:
            return False
        if key == "floors_max" and p.floors > value:
            return False
        if key == "height_m_min" and p.height_m < value:
            return False
        if key == "total_area_m2_min" and p.total_area_m2 < value:
            return False
        if key == "total_area_m2_max" and p.total_area_m2 > value:
            return False
        if key == "any" and not any(applies(sub, p) for sub in value):
            return False
    return True
