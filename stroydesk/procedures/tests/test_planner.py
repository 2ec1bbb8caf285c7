"""The pure core: conditions, dependency order, units on the production calendar, what-if."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stroydesk.procedures.catalogue import CatalogueError, find_cycle, parse_catalogue
from stroydesk.procedures.planner import PlanError, compare, end_of_term, make_plan
from stroydesk.procedures.rules import (
    CONNECTIONS,
    EXPERTISE,
    FUNDING,
    OBJECT_TYPES,
    Profile,
    applies,
    profile_conflicts,
)

HOUSE = Profile(object_type="individual_house", floors=2, height_m=8, expertise="none")
BLOCK = Profile(
    object_type="residential_multi",
    floors=17,
    height_m=55,
    total_area_m2=24000,
    connections=frozenset({"water", "heat", "power"}),
    expertise="state",
)


def codes(plan):
    return [s.code for s in plan.steps]


# --- conditions ------------------------------------------------------------------------------


def test_individual_house_goes_by_notices_not_by_a_permit(specs, calendar):
    plan = make_plan(specs, HOUSE, date(2026, 3, 2), calendar)
    assert "izhs-start-notice" in codes(plan) and "izhs-end-notice" in codes(plan)
    assert "construction-permit" not in codes(plan)
    assert "expertise" not in codes(plan) and "commissioning-permit" not in codes(plan)


def test_selling_off_plan_adds_the_shared_construction_steps(specs, calendar):
    plain = make_plan(specs, BLOCK, date(2026, 3, 2), calendar)
    sold = make_plan(
        specs, Profile(**{**BLOCK.__dict__, "sells_off_plan": True}), date(2026, 3, 2), calendar
    )
    added = set(codes(sold)) - set(codes(plain))
    assert added == {"project-declaration", "developer-conformity", "first-ddu-registration"}
    assert sold.step("developer-conformity").start >= sold.step("construction-permit").end


def test_connections_listed_only_for_the_chosen_utilities(specs, calendar):
    plan = make_plan(specs, BLOCK, date(2026, 3, 2), calendar)
    present = {c for c in codes(plan) if c.startswith("connection-")}
    assert present == {"connection-water", "connection-heat", "connection-power"}


def test_linear_object_needs_a_planning_project_instead_of_a_gpzu(specs, calendar):
    linear = Profile(object_type="linear", floors=0, connections=frozenset({"power"}))
    plan = make_plan(specs, linear, date(2026, 3, 2), calendar)
    assert "planning-project" in codes(plan) and "gpzu" not in codes(plan)
    # the connection waits for the planning project, which stands in for the missing GPZU
    assert plan.step("connection-power").depends_on == ("planning-project",)


def test_budget_funding_adds_the_estimate_check(specs, calendar):
    budget = Profile(**{**BLOCK.__dict__, "funding": "budget"})
    assert "estimate-check" in codes(make_plan(specs, budget, date(2026, 3, 2), calendar))
    assert "estimate-check" not in codes(make_plan(specs, BLOCK, date(2026, 3, 2), calendar))


def test_rule_clauses():
    assert applies({}, BLOCK)
    assert applies({"connections_any": ["gas", "heat"]}, BLOCK)
    assert not applies({"connections_any": ["gas"]}, BLOCK)
    assert applies({"any": [{"object_type": ["linear"]}, {"floors_min": 10}]}, BLOCK)
    assert not applies({"object_type": ["linear"], "floors_min": 10}, BLOCK)


@pytest.mark.parametrize(
    ("profile", "fields"),
    [
        (Profile(object_type="individual_house", floors=30, expertise="none"), "floors"),
        (Profile(object_type="linear", floors=0, sells_off_plan=True), "sells_off_plan"),
        (Profile(object_type="residential_multi", floors=9, expertise="none"), "expertise"),
        (
            Profile(object_type="demolition", connections=frozenset({"gas"}), expertise="none"),
            "connections",
        ),
        (Profile(funding="budget", expertise="non_state", floors=5), "expertise"),
    ],
)
def test_contradictory_profiles_are_named(profile, fields):
    conflicts = profile_conflicts(profile)
    assert any(fields in c.fields for c in conflicts), conflicts


# --- units on the calendar --------------------------------------------------------------------


def test_working_days_skip_the_new_year_holidays_of_2027(calendar):
    # 1–8 January 2027 are holidays (Labour Code Art. 112), 9–10 a weekend: the 1st working
    # day after 31.12.2026 is Monday 11.01.2027, the 5th is Friday 15.01.
    assert end_of_term(calendar, date(2026, 12, 30), 1, "working_days") == date(2027, 1, 11)
    assert end_of_term(calendar, date(2026, 12, 30), 5, "working_days") == date(2027, 1, 15)


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day(calendar):
    # Civil Code Art. 193: 28.12.2026 + 5 days = 02.01.2027, a holiday → 11.01.2027.
    assert end_of_term(calendar, date(2026, 12, 28), 5, "calendar_days") == date(2027, 1, 11)
    # the same term ending on a working day stays put: 02.02.2026 + 10 = Thu 12.02.2026
    assert end_of_term(calendar, date(2026, 2, 2), 10, "calendar_days") == date(2026, 2, 12)


def test_working_and_calendar_units_differ_across_the_march_2026_transfer(calendar):
    # 08.03.2026 is a Sunday; Monday 09.03 is its transferred day off.
    start = date(2026, 3, 6)
    assert end_of_term(calendar, start, 1, "working_days") == date(2026, 3, 10)
    assert end_of_term(calendar, start, 3, "calendar_days") == date(2026, 3, 10)  # 09.03 is off
    assert end_of_term(calendar, start, 4, "calendar_days") == date(2026, 3, 10)


def test_working_and_calendar_units_across_the_february_2027_transfer(calendar):
    # Decree № 1187 of 17.09.2026: Saturday 20.02.2027 is worked, Monday 22.02 is its day off,
    # Tuesday 23.02 the holiday.
    start = date(2027, 2, 19)
    assert end_of_term(calendar, start, 1, "working_days") == date(2027, 2, 20)
    assert end_of_term(calendar, start, 2, "working_days") == date(2027, 2, 24)
    # 3 calendar days end on Monday 22.02, a day off: the term moves to Wednesday 24.02.
    assert end_of_term(calendar, start, 3, "calendar_days") == date(2027, 2, 24)


# --- dependency order and totals (property tests) ---------------------------------------------

profiles = st.builds(
    Profile,
    object_type=st.sampled_from(OBJECT_TYPES),
    funding=st.sampled_from(FUNDING),
    floors=st.integers(0, 40),
    height_m=st.floats(0, 150, allow_nan=False),
    total_area_m2=st.floats(0, 50000, allow_nan=False),
    heritage_zone=st.booleans(),
    connections=st.frozensets(st.sampled_from(CONNECTIONS)),
    expertise=st.sampled_from(EXPERTISE),
    sells_off_plan=st.booleans(),
    works_days=st.integers(0, 120),
).filter(lambda p: not profile_conflicts(p))
starts = st.dates(date(2026, 1, 1), date(2026, 6, 30))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(profile=profiles, start=starts)
def test_schedule_respects_dependencies_and_the_critical_path_spans_it(
    specs, calendar, profile, start
):
    plan = make_plan(specs, profile, start, calendar)
    by_code = {s.code: s for s in plan.steps}
    seen: set[str] = set()
    for step in plan.steps:
        assert set(step.depends_on) <= seen  # listed after its dependencies
        seen.add(step.code)
        ends = [by_code[d].end for d in step.depends_on]
        assert step.start == max(ends, default=start)
        assert step.end >= step.start
        assert plan.finish >= step.end
    path = [by_code[c] for c in plan.critical_path]
    assert path[0].start == start and path[-1].end == plan.finish
    for before, after in itertools.pairwise(path):
        assert before.code in after.depends_on and after.start == before.end
    assert plan.total_calendar_days == (plan.finish - start).days
    expected = (
        calendar.working_days_between(start + timedelta(days=1), plan.finish)
        if plan.finish > start
        else 0
    )
    assert plan.total_working_days == expected


def test_parallel_branches_run_side_by_side(specs, calendar):
    plan = make_plan(specs, BLOCK, date(2026, 3, 2), calendar)
    gpzu_end = plan.step("gpzu").end
    for code in ("agr", "connection-water", "connection-heat", "engineering-surveys"):
        assert plan.step(code).start == gpzu_end


# --- what-if ------------------------------------------------------------------------------------


def test_dropping_an_optional_step_saves_its_days(specs, calendar):
    result = compare(specs, HOUSE, HOUSE, date(2026, 3, 2), calendar, drop_b=["gpzu"])
    assert result.only_in_a == ("gpzu",)
    assert result.working_days_saved == 14  # the GPZU's 14 working days
    assert result.b.finish < result.a.finish


def test_a_required_step_cannot_be_dropped(specs, calendar):
    with pytest.raises(PlanError, match="construction-permit"):
        make_plan(specs, BLOCK, date(2026, 3, 2), calendar, drop=["construction-permit"])


def test_not_selling_off_plan_shortens_the_plan(specs, calendar):
    sold = Profile(**{**BLOCK.__dict__, "sells_off_plan": True})
    result = compare(specs, sold, BLOCK, date(2026, 3, 2), calendar)
    assert "developer-conformity" in result.only_in_a
    assert result.calendar_days_saved == (result.a.finish - result.b.finish).days > 0


# --- catalogue checks -----------------------------------------------------------------------------


def test_dangling_dependency_is_named(catalogue_json):
    catalogue_json["procedures"][0]["depends_on"] = ["no-such-step"]
    with pytest.raises(CatalogueError, match="'gpzu' depends on 'no-such-step'"):
        parse_catalogue(catalogue_json)


def test_cycle_is_named(catalogue_json):
    entry = next(p for p in catalogue_json["procedures"] if p["code"] == "gpzu")
    entry["depends_on"] = ["construction-permit"]
    with pytest.raises(
        CatalogueError,
        match=r"cycle: .*gpzu.*construction-permit|cycle: .*construction-permit.*gpzu",
    ):
        parse_catalogue(catalogue_json)


def test_unknown_rule_clause_is_refused(catalogue_json):
    catalogue_json["procedures"][0]["applies_when"] = {"objekt_type": ["linear"]}
    with pytest.raises(CatalogueError, match="objekt_type"):
        parse_catalogue(catalogue_json)


def test_find_cycle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": []}) == []


def test_every_entry_cites_its_source_and_unit(specs):
    for spec in specs:
        assert spec.source and spec.legal_basis and spec.unit in ("working_days", "calendar_days")
    required = {
        "gpzu",
        "agr",
        "expertise",
        "construction-permit",
        "works-start-notice",
        "zos",
        "commissioning-permit",
        "rights-registration",
        "izhs-start-notice",
        "izhs-end-notice",
        "connection-water",
        "connection-heat",
        "connection-power",
        "connection-gas",
    }
    assert required <= {s.code for s in specs}
