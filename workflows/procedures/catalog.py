"""The procedure book in product terms (issue 6 §1).

`load(code)` and `all_procedures()` read the committed definitions (definitions/P01.yaml …
P31.yaml, version 1), validated by schema.Procedure. The tables below say what each word of
the book is in the product: its actors (ROLES), step kinds (KINDS), documents (RECORDS) and
meetings (MEETINGS). They are used by the converter (tools/import_book.py, a dev tool) and by
the test that checks every step of the book maps to something real
(tests/workflows/test_definitions.py). Nothing here reads the book at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from workflows.procedures.schema import Actor, Procedure, StepKind

DEFINITIONS_DIR = Path(__file__).with_name("definitions")
CODES: tuple[str, ...] = tuple(f"P{i:02d}" for i in range(1, 32))


# ---------------------------------------------------------------------------------------------
# Loading the definitions

@cache
def _read(code: str) -> Procedure:
    path = DEFINITIONS_DIR / f"{code}.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return Procedure.model_validate(data)


def load(code: str) -> Procedure:
    """Version 1 (the book's) of one procedure; KeyError for a code that is not P01…P31."""
    if code not in CODES:
        raise KeyError(code)
    return _read(code)


def all_procedures() -> list[Procedure]:
    return [load(code) for code in CODES]


# ---------------------------------------------------------------------------------------------
# ROLES: every actor of the book → who does the step in the product

@dataclass(frozen=True)
class RoleMap:
    """`actors`: the product roles that hold the step's task (`mode`: all of them, or any one).
    `party`: someone who does not work from the procedure inbox; `actors` are then the staff who
    deal with them and record what they send or decide (`note` says so). `account_role`: the
    product role such a party has when they do have an account (students on the portal,
    company contacts on the company portal, external evaluators at network level): they act
    in their own module, and the staff task follows up on it."""

    actors: tuple[Actor, ...]
    mode: str = "any"
    party: bool = False
    note: str = ""
    account_role: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(a.role for a in self.actors)


_MANAGER = Actor(role="manager")
_COUNSELOR = Actor(role="career_counselor")
_BD = Actor(role="business_developer", fallback="manager")  # no BD post: the manager (P21, P23)
_COORDINATION = Actor(role="career_counselor", responsibility="coordination", fallback="manager")
_TEAM = (_MANAGER, _COUNSELOR, Actor(role="business_developer"))  # BD only where the post exists

ROLES: dict[str, RoleMap] = {
    # the centre's staff
    "manager": RoleMap((_MANAGER,)),
    "career_counselor": RoleMap((_COUNSELOR,)),
    "counselor_communication": RoleMap(
        (Actor(role="career_counselor", responsibility="communication", fallback="manager"),),
        note="the counselor in charge of communication (team responsibility); else the manager"),
    "counselor_coordination": RoleMap((_COORDINATION,),
                                      note="the counselor in charge of coordination; else the manager"),
    "ambassador_program_lead": RoleMap(
        (Actor(role="career_counselor", responsibility="ambassador_programme", fallback="manager"),),
        note="the counselor the manager appoints each year (P04 step 5); else the manager"),
    "business_developer": RoleMap((_BD,), note="where the centre has no business developer: the manager"),
    # people with an account in the centre
    "ambassador": RoleMap((Actor(role="ambassador"),)),
    "intern": RoleMap((Actor(role="intern"),)),
    "host_institution": RoleMap(
        (Actor(role="host_approver"), Actor(role="host_focal_point", fallback="host_approver")),
        note="approvals and decisions: the host approver; other steps: the host focal point"),
    "host_focal_point": RoleMap((Actor(role="host_focal_point", fallback="host_approver"),)),
    # committees: the manager with the counselors the manager names in the team (a responsibility);
    # while nobody is named, every counselor
    "procedure_committee": RoleMap((_MANAGER, Actor(role="career_counselor", responsibility="procedure_committee")),
                                   mode="all",
                                   note="the manager and the counselors named to the procedure committee in the team "
                                        "(every counselor while nobody is named)"),
    "job_fair_committees": RoleMap((_MANAGER, Actor(role="career_counselor", responsibility="job_fair_committee")),
                                   mode="all",
                                   note="organising, logistics and communication committees (P21): the manager and "
                                        "the counselors named to them in the team (every counselor while nobody "
                                        "is named)"),
    "cc_team": RoleMap(_TEAM, mode="all", note="the whole team: manager, counselors, business developer"),
    "each_cc_team_member": RoleMap(_TEAM, mode="all", note="each member of the team individually"),
    # people with an account who act in their own module, not from the procedure inbox (they
    # hold no procedure permission): the staff who deal with them hold the step's task
    "student": RoleMap((_COUNSELOR,), party=True, account_role="student",
                       note="students act on the virtual Career Center (portal): applications, registrations, "
                            "questionnaires; a career counselor follows up and records it"),
    "company": RoleMap((_BD,), party=True, account_role="company_contact",
                       note="the company's contact acts on the company portal (issue 5); the business developer "
                            "(else the manager) follows up and records what the company sends"),
    "external_evaluator": RoleMap((_MANAGER,), party=True, account_role="external_evaluator",
                                  note="network-level evaluators (P28) work in the evaluation module (issue 8); "
                                       "the manager hosts the evaluation and records its steps"),
    # outside parties without an account: a staff role records what they send or decide
    "faculty": RoleMap((_COORDINATION,), party=True,
                       note="teaching staff: the coordination counselor (else the manager) records what they send"),
    "student_association": RoleMap((_COORDINATION,), party=True,
                                   note="student associations: the coordination counselor deals with them"),
    "guest_speaker": RoleMap((_BD,), party=True,
                             note="external speakers: the business developer (else the manager) deals with them"),
    "sponsor": RoleMap((_BD,), party=True,
                       note="sponsors and key funding partners: the business developer (else the manager)"),
}

# the book's other_parties (never step actors): who deals with them
PARTIES: dict[str, RoleMap] = {
    "affiliated_establishment": RoleMap((_MANAGER,), party=True,
                                        note="establishments of the host institution: the manager writes to them"),
    "external_partner": RoleMap((_COUNSELOR,), party=True,
                                note="a partner asking for a workshop (P08): a career counselor records the request"),
    "authorities": RoleMap((_MANAGER, _COUNSELOR), mode="all", party=True,
                           note="authorisations (P21): the job-fair organising committee"),
    "institutional_stakeholders": RoleMap((_MANAGER, _COUNSELOR), mode="all", party=True,
                                          note="the job-fair organising committee (P21)"),
}


def step_actors(book_actor: str, kind: str) -> tuple[Actor, ...]:
    """The product actors of one book actor in a step of `kind` (the host institution approves
    through its approver, and works day to day through its focal point)."""
    mapping = ROLES[book_actor]
    if book_actor == "host_institution":
        if kind in ("approval", "decision"):
            return (Actor(role="host_approver"),)
        return (Actor(role="host_focal_point", fallback="host_approver"),)
    return mapping.actors


# ---------------------------------------------------------------------------------------------
# KINDS: the book's step kinds are the schema's, one for one (KIND_MEANINGS says what each is)

KIND_MEANINGS: dict[str, str] = {
    "task": "operational work by the named actors",
    "approval": "an explicit validation by an authority: approve or refuse",
    "decision": "a choice or branching point: the holder picks one outcome",
    "notification": "sending, sharing, inviting or confirming with another party",
    "data_entry": "recording data in the product (management tool, virtual Career Center, a form)",
    "document": "drafting, compiling, finalising or signing a document",
    "event_day": "what is done on the day of an event, session, visit or interview",
    "review_in_weekly_meeting": "reviewed, decided or validated together in the weekly coordination meeting",
    "review_in_monthly_meeting": "reviewed or validated in the monthly management meeting",
    "review_in_semester_meeting": "reviewed or decided in the semester meeting",
}
KINDS: dict[str, StepKind] = {
    "task": "task",
    "approval": "approval",
    "decision": "decision",
    "notification": "notification",
    "data_entry": "data_entry",
    "document": "document",
    "event_day": "event_day",
    "review_in_weekly_meeting": "review_in_weekly_meeting",
    "review_in_monthly_meeting": "review_in_monthly_meeting",
    "review_in_semester_meeting": "review_in_semester_meeting",
}


# ---------------------------------------------------------------------------------------------
# RECORDS: every document of the book → the product record that holds it

@dataclass(frozen=True)
class RecordType:
    key: str
    module: str
    available: bool  # the module exists now
    issue: int | None = None  # the open issue that brings it, when not available
    note: str = field(default="")


def _rec(key: str, module: str, available: bool, issue: int | None = None, note: str = "") -> RecordType:
    return RecordType(key, module, available, issue, note)


_CAL = "tenants/calendar"
_EVENT = _rec("event", _CAL, True, note="Event (T02 entry form, M33 sheet): details, partners, logistics, budget")
_EVENT_REVIEW = _rec("event_review", _CAL, True, note="Event.outcome_notes and figures after the event")
_MINUTES = _rec("meeting_minutes", _CAL, True, note="outcome notes of a meeting-type Event")
_PLANNING = _rec("planning", _CAL, True, note="weekly/monthly planning M32 (tenants/calendar/planning.py, PDF/XLSX)")
_SERIES = _rec("event_series", _CAL, True, note="a recurring meeting (EventSeries)")
_PLAN = _rec("action_plan", "workflows/planning", True, note="annual action plan M30 and its versions")
_PLAN_REVIEW = _rec("action_plan_review", "workflows/planning", True, note="mid-year review, gaps (P02)")
_BUDGET = _rec("budget", "workflows/planning", True, note="budget lines of the action plan")
_REPORT = _rec("report", "workflows/reporting", True, note="weekly/monthly/semester/annual reports M44–M46")
_STATS = _rec("activity_statistics", "workflows/reporting", True,
              note="T03 statistics, fed by visits, attendance, sessions and events held")
_COMPANY = _rec("company", "tenants/sourcing/partners", True, note="partner map and contacts BD01")
_JOB_NEED = _rec("job_need", "tenants/sourcing", True, note="job needs, job sheets, shortlists (P22), recruitment "
                 "days (P19)")
_OFFER = _rec("job_offer", "tenants/sourcing/offers", True, note="job and internship offers (P12)")
_COMM = "workflows/communications"
_COMM_PLAN = _rec("communication_plan", _COMM, True, note="communication plan (P29): /staff/communications/plans")
_COMM_ITEM = _rec("communication_item", _COMM, True, note="content per event or offer (P30), its approval and "
                                                         "publication: /staff/communications")
_MEDIA = _rec("media_library", _COMM, True, note="BD04, source files of communication materials: "
                                                  "/staff/communications/media")
_ASSESS = "workflows/assessment"
_REFERENCE = _rec("reference_model", _ASSESS, True, note="standard reference model (P28), versioned: /admin/model")
_EVALUATION = _rec("evaluation", _ASSESS, True, note="self-assessment (/staff/assessment) and external "
                                                      "evaluation (/evaluator/centres) (P28)")
_STAFF_EVAL = _rec("staff_evaluation", _ASSESS, True, note="team evaluation M14 (P27): /staff/performance")
_GUIDE = _rec("guide", "tenants/reference", False, 8, "the kit's guides and catalogues (read-only references)")
_AMBASSADOR = _rec("ambassador_file", "tenants/team", True,
                   note="ambassador memberships (tenants/team); forms are files linked from the task until an "
                        "ambassador module exists (no issue yet)")
_TEAM_REC = _rec("team", "tenants/team", True, note="memberships, roles and responsibilities")
_STUDENT = _rec("student_profile", "tenants/portal/profiles", True, note="student profiles and consent")
_ESTABLISHMENT = _rec("establishment", "tenants/portal/profiles", True, note="establishments of the host institution")
_VISIT = _rec("visit", "tenants/portal/visits", True, note="visits and visit forms")
_REGISTRATION = _rec("registration", "tenants/portal/registrations", True, note="registrations and attendance")
_SURVEY = _rec("survey", "tenants/portal/surveys", True, note="satisfaction questionnaires T04 and forms")
_CERTIFICATE = _rec("certificate", "tenants/portal/certificates", True, note="participation certificates T05")
_WAIVER = _rec("image_waiver", "tenants/portal/registrations", True, note="image-rights waivers M36")
_PORTAL = _rec("portal", "tenants/portal", True, note="the virtual Career Center")
_PRODUCT = _rec("management_tool", "cc_network", True, note="the product itself")
_PROCEDURE = _rec("procedure", "workflows/procedures", True, note="procedure definitions and versions (P31)")
_TASKS = _rec("procedure_task", "workflows/procedures", True, note="tasks of a procedure instance")

RECORDS: dict[str, RecordType] = {
    # the kit's coded templates and tools
    "M30": _PLAN,
    "M32": _PLANNING,
    "M33": _EVENT,
    "M36": _WAIVER,
    "M39": _EVENT,  # job fair planning: the job_fair event's details and logistics
    "M40": _COMM_ITEM,  # job fair press release
    "M43": _REPORT, "M44": _REPORT, "M45": _REPORT, "M46": _REPORT,
    "M14": _STAFF_EVAL,
    "M15": _AMBASSADOR, "M16": _AMBASSADOR, "M17": _AMBASSADOR, "M18": _AMBASSADOR, "M19": _AMBASSADOR,
    "T01": _PLANNING,
    "T02": _EVENT,
    "T03": _STATS,
    "T04": _SURVEY,
    "T05": _CERTIFICATE,
    "BD01": _COMPANY,
    "BD04": _MEDIA,
    # A01 (poster templates) stays a guide of the kit; posters are made from an event's page
    "G04": _GUIDE, "G05": _GUIDE, "D06": _GUIDE, "A01": _GUIDE, "GENERAL_GUIDE": _GUIDE,
    "MANAGEMENT_TOOL": _PRODUCT,
    "VIRTUAL_CC": _PORTAL,
    "REFERENCE_STANDARD_MODEL": _REFERENCE,
    # planning: the action plan and its budget (issue 9)
    "doc:annual_action_plan": _PLAN, "doc:draft_annual_action_plan": _PLAN,
    "doc:previous_annual_action_plan": _PLAN, "doc:complementary_proposals": _PLAN,
    "doc:faculty_suggestions": _PLAN, "doc:key_topics": _PLAN, "doc:expected_results": _PLAN,
    "doc:annual_associative_activities_project": _PLAN, "doc:student_recruitment_plan": _PLAN,
    "doc:action_plan_implementation_report": _PLAN_REVIEW, "doc:gap_analysis": _PLAN_REVIEW,
    "doc:annual_budget": _BUDGET, "doc:annual_budget_report": _BUDGET,
    "doc:participation_budget_proposal": _BUDGET,
    # reporting (issue 9)
    "doc:annual_and_periodic_reports": _REPORT, "doc:monthly_activity_review": _REPORT,
    "doc:weekly_activity_review": _REPORT, "doc:individual_progress_report": _REPORT,
    # meetings, events and their follow-up (calendar, exists)
    "doc:annual_closing_meeting_minutes": _MINUTES, "doc:weekly_meeting_minutes": _MINUTES,
    "doc:meeting_materials": _MINUTES,
    "doc:weekly_action_plan": _PLANNING,
    "doc:weekly_meeting_schedule": _SERIES, "doc:quarterly_meeting_schedule": _SERIES,
    "doc:hook_events_programme": _EVENT, "doc:debate_themes_list": _EVENT, "doc:faculty_activity_project": _EVENT,
    "doc:job_fair_governance": _EVENT, "doc:logistics_task_list": _EVENT, "doc:site_access_authorizations": _EVENT,
    "doc:partner_request": _EVENT, "doc:external_speakers_list": _EVENT, "doc:guest_speakers_prelist": _EVENT,
    "doc:potential_speakers_list": _EVENT,
    "doc:event_review": _EVENT_REVIEW, "doc:associative_activities_review": _EVENT_REVIEW,
    "doc:faculty_lessons_learned": _EVENT_REVIEW,
    # students and the portal (exists)
    "doc:contact_record": _STUDENT, "doc:host_student_database": _STUDENT,
    "doc:attendance_sheet": _REGISTRATION, "doc:visit_participants_list": _REGISTRATION,
    "doc:visit_form": _VISIT,
    "doc:evaluation_form": _SURVEY,
    "doc:establishment_collaboration_terms": _ESTABLISHMENT,
    # the team and ambassadors (tenants/team, exists)
    "doc:focal_points_list": _TEAM_REC,
    "doc:ambassador_application": _AMBASSADOR, "doc:ambassador_final_selection": _AMBASSADOR,
    "doc:ambassador_needs_assessment": _AMBASSADOR, "doc:previous_year_ambassador_review": _AMBASSADOR,
    "doc:ambassador_program_closing_report": _AMBASSADOR,
    "doc:ambassador_recruitment_communication_plan": _COMM_PLAN,
    # companies, sponsors and job needs (issue 5)
    "doc:key_partners_map": _COMPANY, "doc:target_companies_list": _COMPANY,
    "doc:key_partner_action_plans": _COMPANY, "doc:partner_action_portfolio": _COMPANY,
    "doc:private_sector_engagement_strategy": _COMPANY, "doc:sponsor_project_sheet": _COMPANY,
    "doc:potential_sponsors_list": _COMPANY,
    "doc:formalized_hr_needs": _JOB_NEED, "doc:job_descriptions": _JOB_NEED, "doc:prioritized_profiles": _JOB_NEED,
    "doc:job_offers_list": _OFFER, "doc:offer_sources_list": _OFFER,
    # communications (issue 7)
    "doc:communication_plan": _COMM_PLAN, "doc:communication_content": _COMM_ITEM,
    # evaluation (issue 8)
    "doc:evaluation_recommendations": _EVALUATION, "doc:previous_evaluations_compilation": _EVALUATION,
    # procedures themselves (this module, P31)
    "doc:procedures": _PROCEDURE, "doc:incident_log": _TASKS,
}


def record_for(ref: str) -> RecordType:
    return RECORDS[ref]


# ---------------------------------------------------------------------------------------------
# MEETINGS: the book's meetings → calendar event types (tenants/calendar/types.py) or a key

MEETINGS: dict[str, str] = {
    "weekly_coordination_meeting": "weekly_coordination_meeting",
    "monthly_management_meeting": "monthly_management_meeting",
    "semester_management_meeting": "semester_meeting",
    # type not stated in the book; the issue's acceptance reads it as the weekly meeting ("the
    # plan is reviewed in the weekly meeting", P01 step 4), so the team reviews it there
    "management_meeting": "weekly_coordination_meeting",
    "initial_ambassador_meeting": "ambassador_meeting",
    "ambassador_onboarding_meeting": "ambassador_meeting",
    "host_institution_presentation_meeting": "host_focal_point_meeting",
    "focal_point_meeting": "host_focal_point_meeting",
    "quarterly_focal_point_meeting": "host_focal_point_meeting",
    "quarterly_faculty_meeting": "faculty_meeting",
    "performance_interview": "performance_interview",
    "annual_closing_meeting": "annual_closing_meeting",
    # no calendar type: a plain key
    "ad_hoc_evaluation_meeting": "ad_hoc_evaluation_meeting",
    "procedure_committee_session": "procedure_committee_session",
}
