"""Roles and permissions: the one table that says who may do what (issue 2 §6)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    # network-level roles live on the account, not on a membership
    NETWORK_ADMIN = "network_admin"
    EXTERNAL_EVALUATOR = "external_evaluator"
    # roles inside one centre
    MANAGER = "manager"
    CAREER_COUNSELOR = "career_counselor"
    BUSINESS_DEVELOPER = "business_developer"
    AMBASSADOR = "ambassador"
    INTERN = "intern"
    STUDENT = "student"
    HOST_APPROVER = "host_approver"
    HOST_FOCAL_POINT = "host_focal_point"
    COMPANY_CONTACT = "company_contact"


NETWORK_ROLES = frozenset({Role.NETWORK_ADMIN, Role.EXTERNAL_EVALUATOR})
TENANT_ROLES = frozenset(set(Role) - NETWORK_ROLES)
STAFF_ROLES = frozenset({Role.MANAGER, Role.CAREER_COUNSELOR, Role.BUSINESS_DEVELOPER})


class Responsibility(StrEnum):
    """A career counselor's line of work in the team (procedure book, P03)."""

    COMMUNICATION = "communication"
    COORDINATION = "coordination"
    AMBASSADOR_PROGRAMME = "ambassador_programme"
    # the groups the manager forms: the procedure committee (P31.4) and the job-fair committees (P21)
    PROCEDURE_COMMITTEE = "procedure_committee"
    JOB_FAIR_COMMITTEE = "job_fair_committee"


class Perm(StrEnum):
    TENANT_VIEW = "tenant.view"
    TEAM_VIEW = "team.view"
    TEAM_MANAGE = "team.manage"
    TOKEN_MANAGE_OWN = "token.manage_own"
    MAILBOX_VIEW = "mailbox.view"
    AUDIT_VIEW = "audit.view"
    TENANT_SETTINGS = "tenant.settings"
    NETWORK_ADMIN = "network.admin"
    NETWORK_EVALUATE = "network.evaluate"
    # activity calendar (T01/T02)
    CALENDAR_VIEW = "calendar.view"
    CALENDAR_EDIT = "calendar.edit"
    CALENDAR_VALIDATE = "calendar.validate"
    CALENDAR_HOST_VALIDATE = "calendar.host_validate"
    CALENDAR_PUBLISH = "calendar.publish"
    CALENDAR_SETTINGS = "calendar.settings"
    # student portal (P06-P08): a student's own actions
    PORTAL_SELF = "portal.self"
    # staff side of the portal
    STUDENT_VIEW = "student.view"
    STUDENT_MANAGE = "student.manage"
    VISIT_LOG = "visit.log"
    SESSION_MANAGE = "session.manage"
    REGISTRATION_MANAGE = "registration.manage"
    # procedures (issue 6): see the definitions, one's inbox and the instances; run them
    PROCEDURE_VIEW = "procedure.view"
    PROCEDURE_MANAGE = "procedure.manage"
    # companies and sourcing (issue 5)
    PARTNER_VIEW = "partner.view"  # the partner map and contacts (BD01)
    PARTNER_MANAGE = "partner.manage"
    NEED_VIEW = "need.view"  # job needs and job sheets (the host institution receives them, P22.2)
    NEED_MANAGE = "need.manage"  # take a need, write its sheet, rank, send profiles, recruitment days
    SOURCING = "sourcing"  # search students, shortlist them, prepare them (counselors)
    COMPANY_SELF = "company.self"  # a company contact's own needs, shortlists and profiles
    OFFER_MANAGE = "offer.manage"  # collect and publish offers (P12)
    OFFER_PREVIEW = "offer.preview"  # see offers published to ambassadors first
    # planning and reporting (issue 9)
    PLAN_VIEW = "plan.view"  # the annual action plan (M30) and its versions
    PLAN_COMMENT = "plan.comment"  # counselors and the business developer comment a draft (P01.3)
    PLAN_MANAGE = "plan.manage"  # the manager drafts, finalises, submits, runs the mid-year review
    PLAN_HOST_VALIDATE = "plan.host_validate"  # the host institution validates the plan
    STATS_VIEW = "stats.view"  # statistics (T03) and dashboards
    REPORT_VIEW = "report.view"  # reports (the host institution: the ones sent to it)
    REPORT_WRITE = "report.write"  # one's weekly individual report and the sections assigned to one
    REPORT_MANAGE = "report.manage"  # draft, compile, validate and send the centre's reports
    # communications (issue 7, P29/P30)
    COMM_VIEW = "comm.view"  # plans, items, publications calendar, delivery log
    COMM_MANAGE = "comm.manage"  # draft plans and items, mailings, channel connections (communication counselor)
    COMM_APPROVE = "comm.approve"  # check and validate plans and items (the manager)
    # assessment against the reference model (issue 8, P28) and team evaluation (P27)
    ASSESSMENT_VIEW = "assessment.view"  # the centre's assessments, results, and the centre against anonymous peers
    ASSESSMENT_CONTRIBUTE = "assessment.contribute"  # the team collects evidence (P28.3)
    ASSESSMENT_MANAGE = "assessment.manage"  # the manager frames, completes and follows up (P28.1, P28.4)
    PERFORMANCE_SELF = "performance.self"  # a team member's own annual evaluation (M14): dates, comments
    PERFORMANCE_MANAGE = "performance.manage"  # the manager runs the annual interviews (P27)


_EVERY_MEMBER = {Perm.TENANT_VIEW, Perm.TOKEN_MANAGE_OWN}
_STAFF = _EVERY_MEMBER | {Perm.TEAM_VIEW, Perm.MAILBOX_VIEW, Perm.CALENDAR_VIEW, Perm.CALENDAR_EDIT,
                          Perm.STUDENT_VIEW, Perm.VISIT_LOG, Perm.REGISTRATION_MANAGE, Perm.PROCEDURE_VIEW,
                          Perm.PARTNER_VIEW, Perm.PARTNER_MANAGE, Perm.NEED_VIEW, Perm.SOURCING, Perm.OFFER_MANAGE,
                          Perm.OFFER_PREVIEW, Perm.PLAN_VIEW, Perm.PLAN_COMMENT, Perm.STATS_VIEW, Perm.REPORT_VIEW,
                          Perm.REPORT_WRITE, Perm.COMM_VIEW, Perm.ASSESSMENT_VIEW, Perm.ASSESSMENT_CONTRIBUTE,
                          Perm.PERFORMANCE_SELF}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.NETWORK_ADMIN: frozenset(set(Perm)),
    Role.EXTERNAL_EVALUATOR: frozenset({Perm.NETWORK_EVALUATE}),
    Role.MANAGER: frozenset(_STAFF | {Perm.TEAM_MANAGE, Perm.AUDIT_VIEW, Perm.TENANT_SETTINGS,
                                      Perm.CALENDAR_VALIDATE, Perm.CALENDAR_PUBLISH, Perm.CALENDAR_SETTINGS,
                                      Perm.STUDENT_MANAGE, Perm.SESSION_MANAGE, Perm.PROCEDURE_MANAGE,
                                      Perm.NEED_MANAGE, Perm.PLAN_MANAGE, Perm.REPORT_MANAGE, Perm.COMM_MANAGE,
                                      Perm.COMM_APPROVE, Perm.ASSESSMENT_MANAGE, Perm.PERFORMANCE_MANAGE}),
    Role.CAREER_COUNSELOR: frozenset(_STAFF | {Perm.CALENDAR_PUBLISH, Perm.STUDENT_MANAGE, Perm.SESSION_MANAGE,
                                               Perm.COMM_MANAGE}),
    Role.BUSINESS_DEVELOPER: frozenset(_STAFF | {Perm.NEED_MANAGE}),
    Role.AMBASSADOR: frozenset(_EVERY_MEMBER | {Perm.TEAM_VIEW, Perm.CALENDAR_VIEW, Perm.VISIT_LOG,
                                                Perm.PROCEDURE_VIEW, Perm.OFFER_PREVIEW, Perm.REPORT_WRITE}),
    Role.INTERN: frozenset(_EVERY_MEMBER | {Perm.TEAM_VIEW, Perm.CALENDAR_VIEW, Perm.VISIT_LOG, Perm.PROCEDURE_VIEW,
                                            Perm.REPORT_WRITE}),
    Role.STUDENT: frozenset(_EVERY_MEMBER | {Perm.PORTAL_SELF}),
    Role.HOST_APPROVER: frozenset(_EVERY_MEMBER | {Perm.TEAM_VIEW, Perm.CALENDAR_VIEW,
                                                   Perm.CALENDAR_HOST_VALIDATE, Perm.PROCEDURE_VIEW, Perm.NEED_VIEW,
                                                   Perm.PLAN_VIEW, Perm.PLAN_HOST_VALIDATE, Perm.STATS_VIEW,
                                                   Perm.REPORT_VIEW}),
    Role.HOST_FOCAL_POINT: frozenset(_EVERY_MEMBER | {Perm.TEAM_VIEW, Perm.CALENDAR_VIEW, Perm.PROCEDURE_VIEW,
                                                      Perm.NEED_VIEW, Perm.PLAN_VIEW, Perm.STATS_VIEW,
                                                      Perm.REPORT_VIEW}),
    Role.COMPANY_CONTACT: frozenset(_EVERY_MEMBER | {Perm.COMPANY_SELF}),
}


def permissions_of(roles: frozenset[str] | set[str]) -> frozenset[Perm]:
    out: set[Perm] = set()
    for r in roles:
        try:
            out |= ROLE_PERMISSIONS[Role(r)]
        except ValueError:
            continue  # an unknown role grants nothing
    return frozenset(out)


def parse_roles(values: list[str] | tuple[str, ...] | set[str], *, allow_network: bool = False) -> list[str]:
    """Validated, de-duplicated, ordered role list; raises ValueError on an unknown role."""
    allowed = set(Role) if allow_network else TENANT_ROLES
    out: list[str] = []
    for v in values:
        v = str(v).strip()
        if not v:
            continue
        try:
            role = Role(v)
        except ValueError as exc:
            raise ValueError(f"unknown role: {v}") from exc
        if role not in allowed:
            raise ValueError(f"role not allowed here: {v}")
        if role.value not in out:
            out.append(role.value)
    return out
