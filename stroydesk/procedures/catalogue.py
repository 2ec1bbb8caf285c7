"""The procedures catalogue as plain values: parsed from the data file, checked as a whole.

Pure Python: ``parse_catalogue`` turns the JSON into ``ProcedureSpec`` values and refuses a
catalogue the planner could not schedule — a dependency on a code that does not exist, or a
cycle — with a message naming it. The same check runs on the database rows before an admin's
change is saved (``check_catalogue``), so the catalogue in force is always schedulable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import RuleError, check_rule

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
UNITS = (WORKING_DAYS, CALENDAR_DAYS)


class CatalogueError(ValueError):
    """The catalogue cannot be used; the message names the entry and what is wrong."""


@dataclass(frozen=True)
class ProcedureSpec:
    """One procedure of the catalogue, as the planner sees it."""

    code: str
    title_ru: str
    title_en: str
    authority_code: str
    authority_name: str
    legal_basis: str
    term: int
    unit: str
    term_confirmed: bool = True
    term_note: str = ""
    fee_rub: int | None = None
    fee_rule: str = ""
    documents: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    applies_when: Mapping[str, Any] = field(default_factory=dict)
    optional_when: Mapping[str, Any] | None = None
    reason_ru: str = ""
    reason_en: str = ""
    duration_from_profile: str = ""
    source: str = ""
    position: int = 0


def _spec(entry: Mapping[str, Any], position: int) -> ProcedureSpec:
    code = entry.get("code")
    if not isinstance(code, str) or not code:
        raise CatalogueError(f"entry #{position + 1}: no code")
    where = f"procedure {code!r}"
    try:
        term = entry["term"]
        fee = entry.get("fee") or {}
        spec = ProcedureSpec(
            code=code,
            title_ru=entry["title"]["ru"],
            title_en=entry["title"]["en"],
            authority_code=(entry.get("authority") or {}).get("code") or "",
            authority_name=(entry.get("authority") or {}).get("name") or "",
            legal_basis=entry.get("legal_basis", ""),
            term=int(term["max"]),
            unit=term["unit"],
            term_confirmed=bool(term.get("confirmed", False)),
            term_note=term.get("note", ""),
            fee_rub=fee.get("rub"),
            fee_rule=fee.get("rule", ""),
            documents=tuple(entry.get("documents") or ()),
            depends_on=tuple(entry.get("depends_on") or ()),
            applies_when=dict(entry.get("applies_when") or {}),
            optional_when=entry.get("optional_when"),
            reason_ru=entry.get("reason", {}).get("ru", ""),
            reason_en=entry.get("reason", {}).get("en", ""),
            duration_from_profile=entry.get("duration_from_profile", ""),
            source=entry.get("_source", ""),
            position=position,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"{where}: missing or malformed field {exc}") from None
    if not spec.source:
        raise CatalogueError(f"{where}: no _source")
    if spec.unit not in UNITS:
        raise CatalogueError(f"{where}: unit {spec.unit!r} is not one of {', '.join(UNITS)}")
    if spec.term < 0:
        raise CatalogueError(f"{where}: negative term")
    try:
        check_rule(spec.applies_when, f"{where}.applies_when")
        if spec.optional_when is not None:
            check_rule(spec.optional_when, f"{where}.optional_when")
    except RuleError as exc:
        raise CatalogueError(str(exc)) from None
    return spec


def parse_catalogue(data: Mapping[str, Any]) -> tuple[str, list[ProcedureSpec]]:
    """The version and the checked procedures of a catalogue file's JSON."""
    if not isinstance(data, Mapping) or not isinstance(data.get("procedures"), list):
        raise CatalogueError("the catalogue needs a list under 'procedures'")
    version = str(data.get("version") or "")
    if not version:
        raise CatalogueError("the catalogue has no version")
    specs = [_spec(entry, i) for i, entry in enumerate(data["procedures"])]
    check_catalogue(specs)
    return version, specs


def check_catalogue(specs: Iterable[ProcedureSpec]) -> None:
    """Refuse duplicate codes, dangling dependencies and cycles, naming them."""
    by_code: dict[str, ProcedureSpec] = {}
    for spec in specs:
        if spec.code in by_code:
            raise CatalogueError(f"procedure {spec.code!r} is listed twice")
        by_code[spec.code] = spec
    for spec in by_code.values():
        for dep in spec.depends_on:
            if dep not in by_code:
                raise CatalogueError(
                    f"procedure {spec.code!r} depends on {dep!r}, which is not in the catalogue"
                )
            if dep == spec.code:
                raise CatalogueError(f"procedure {spec.code!r} depends on itself")
    cycle = find_cycle({code: spec.depends_on for code, spec in by_code.items()})
    if cycle:
        raise CatalogueError("dependency cycle: " + " → ".join(cycle))


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One cycle of the graph as a closed list of codes (a → b → a), or [] when it has none."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        colour[node] = grey
        stack.append(node)
        for nxt in graph.get(node, ()):
            if colour.get(nxt, black) == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return []

    for node in sorted(graph):
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return []
