"""The demo network (issue 2 §3): three host institutions with full teams, students,
company contacts, a network admin and an external evaluator.

Deterministic (same names, e-mails and student profiles on every machine) and
idempotent: what exists is left alone, so `cc-network demo` twice changes nothing.
Every login uses DEMO_PASSWORD (listed in the README).

`student_profiles()` generates each student's field, level and establishment
deterministically; `cc_network.demo_activity` stores them, with the centre's history (past
workshops, visits and sessions, partners, job needs, offers) that statistics and reports read.

Each centre also gets its running year (issue 6): the current academic year with its
semesters, the weekly coordination meeting series (Mondays 10:00), the yearly procedures
started (so inboxes are populated) and next year's annual action plan (P01) under way, a few
first steps done so the progress shows (`load_year`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time

from sqlmodel import select

from cc_network.demo_activity import load_activity
from cc_network.demo_assessment import load_assessments
from integrations.db import system_session, tenant_session, transaction
from integrations.errors import ServiceError
from tenants.auth.passwords import hash_password
from tenants.auth.services import actor_for
from tenants.calendar import services as cal
from tenants.calendar.models import AcademicYear, EventSeries
from tenants.core.accounts import MembershipSpec, do_create_account
from tenants.core.models import Account, Membership, Tenant
from tenants.core.queries import find_account_by_email
from tenants.core.roles import Responsibility, Role
from tenants.core.services import do_create_tenant
from workflows.procedures import services as proc
from workflows.procedures.models import CANCELLED, OPEN, ProcedureInstance, ProcedureTask

DEMO_PASSWORD = "Demo-CCNetwork-2026"
DOMAIN = "demo.cc-network.ma"
STUDENTS_PER_TENANT = 42


@dataclass(frozen=True)
class Institution:
    slug: str
    name: str
    kind: str
    establishments: tuple[str, ...]
    fields: tuple[str, ...]
    levels: tuple[str, ...]


INSTITUTIONS: tuple[Institution, ...] = (
    Institution(
        "al-qalam", "Université Al Qalam de Fès", "university",
        ("Faculté des Sciences Dhar El Mehraz", "Faculté des Sciences Juridiques, Économiques et Sociales",
         "École Nationale des Sciences Appliquées", "Faculté des Lettres et des Sciences Humaines Saïss"),
        ("Informatique", "Génie civil", "Biologie", "Économie et gestion", "Droit privé",
         "Études anglaises", "Mathématiques appliquées", "Physique-chimie"),
        ("Licence 1", "Licence 2", "Licence 3", "Master 1", "Master 2", "Doctorat"),
    ),
    Institution(
        "atlas-business", "École Atlas de Commerce et de Management — Marrakech", "business_school",
        ("Campus Marrakech Guéliz", "Campus Agadir Founty", "Executive Education Casablanca"),
        ("Marketing digital", "Finance d'entreprise", "Audit et contrôle de gestion",
         "Commerce international", "Ressources humaines", "Supply chain", "Entrepreneuriat"),
        ("Bachelor 1", "Bachelor 2", "Bachelor 3", "Programme Grande École 1",
         "Programme Grande École 2", "MBA"),
    ),
    Institution(
        "ista-souss", "Institut Spécialisé de Technologie Appliquée Souss-Massa", "vocational_institute",
        ("ISTA Agadir", "ISTA Inezgane", "ISTA Taroudant"),
        ("Développement digital", "Électromécanique", "Maintenance automobile", "Hôtellerie et tourisme",
         "Gestion des entreprises", "Froid et climatisation", "Infrastructure digitale"),
        ("Qualification", "Technicien", "Technicien spécialisé 1", "Technicien spécialisé 2"),
    ),
)

FIRST_NAMES = (
    "Salma", "Youssef", "Imane", "Mehdi", "Khadija", "Omar", "Fatima Zahra", "Anas", "Meryem",
    "Hamza", "Houda", "Ayoub", "Nisrine", "Reda", "Kenza", "Zakaria", "Sara", "Amine", "Hajar",
    "Ilyas", "Soukaina", "Othmane", "Chaimae", "Badr", "Oumaima", "Adil", "Yasmine", "Walid",
    "Ghita", "Ismail", "Laila", "Taha", "Asmae", "Karim", "Nawal", "Saad", "Rim", "Hicham",
)
LAST_NAMES = (
    "El Amrani", "Benjelloun", "Alaoui", "Bennani", "Tazi", "El Idrissi", "Chraibi", "Berrada",
    "Ouazzani", "El Fassi", "Lahlou", "Sqalli", "Benkirane", "Amzil", "Ait Lahcen", "Boutaleb",
    "El Khatib", "Naciri", "Zniber", "Belhaj", "Ouahbi", "Aït Benhaddou", "Kettani", "Lamrani",
    "Mansouri", "Bouzidi", "Hajji", "Rami", "Sebti", "Filali",
)


@dataclass(frozen=True)
class StudentProfile:
    email: str
    full_name: str
    field: str
    level: str
    establishment: str


def _names(seed: str, count: int) -> list[str]:
    rng = random.Random(seed)  # str seeds hash the same on every run and machine
    out: list[str] = []
    while len(out) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in out:
            out.append(name)
    return out


def student_profiles(slug: str) -> list[StudentProfile]:
    inst = next(i for i in INSTITUTIONS if i.slug == slug)
    rng = random.Random(f"profiles:{slug}")
    names = _names(f"students:{slug}", STUDENTS_PER_TENANT)
    return [
        StudentProfile(
            email=f"student{n:02d}@{slug}.{DOMAIN}", full_name=names[n - 1],
            # every field, level and establishment appears, then a seeded mix
            field=inst.fields[n - 1] if n <= len(inst.fields) else rng.choice(inst.fields),
            level=inst.levels[(n - 1) % len(inst.levels)],
            establishment=inst.establishments[(n - 1) % len(inst.establishments)],
        )
        for n in range(1, STUDENTS_PER_TENANT + 1)
    ]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    label: str  # what the README says this login is for
    memberships: tuple[MembershipSpec, ...] = field(default_factory=tuple)
    network_role: str | None = None


def _staff(inst: Institution) -> list[DemoPerson]:
    names = iter(_names(f"staff:{inst.slug}", 12))

    def one(local: str, label: str, roles: list[Role], resp: tuple[str, ...] = ()) -> DemoPerson:
        return DemoPerson(f"{local}@{inst.slug}.{DOMAIN}", next(names), label,
                          (MembershipSpec(inst.slug, tuple(r.value for r in roles), resp),))

    c = Role.CAREER_COUNSELOR
    return [
        one("manager", "manager", [Role.MANAGER]),
        one("counselor.communication", "career counselor (communication)", [c],
            (Responsibility.COMMUNICATION.value,)),
        one("counselor.coordination", "career counselor (coordination)", [c],
            (Responsibility.COORDINATION.value,)),
        one("counselor.ambassadors", "career counselor (ambassador programme)", [c],
            (Responsibility.AMBASSADOR_PROGRAMME.value,)),
        one("bizdev", "business developer", [Role.BUSINESS_DEVELOPER]),
        one("ambassador1", "student ambassador", [Role.AMBASSADOR, Role.STUDENT]),
        one("ambassador2", "student ambassador", [Role.AMBASSADOR, Role.STUDENT]),
        one("ambassador3", "student ambassador", [Role.AMBASSADOR, Role.STUDENT]),
        one("intern", "intern", [Role.INTERN]),
        one("approver", "host-institution approver", [Role.HOST_APPROVER]),
        one("focal", "host-institution focal point", [Role.HOST_FOCAL_POINT]),
    ]


COMPANIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (company, contact's local part, contact name, centres they work with)
    ("atlas-digital", "rh", "Nadia Berrada", ("al-qalam", "ista-souss")),
    ("sahara-logistique", "recrutement", "Karim Ouazzani", ("atlas-business",)),
    ("banque-chaouia", "talents", "Leila Benkirane", ("atlas-business", "al-qalam")),
    ("argan-agro", "contact", "Hassan Amzil", ("ista-souss",)),
)


def demo_people() -> list[DemoPerson]:
    people = [
        DemoPerson(f"admin@{DOMAIN}", "Rachid Network Admin", "network admin",
                   network_role=Role.NETWORK_ADMIN.value),
        DemoPerson(f"evaluator@{DOMAIN}", "Mounia External Evaluator", "external evaluator",
                   network_role=Role.EXTERNAL_EVALUATOR.value),
    ]
    for inst in INSTITUTIONS:
        people += _staff(inst)
        people += [DemoPerson(p.email, p.full_name, "student",
                              (MembershipSpec(inst.slug, (Role.STUDENT.value,)),))
                   for p in student_profiles(inst.slug)]
    for company, local, name, slugs in COMPANIES:
        people.append(DemoPerson(
            f"{local}@{company}.{DOMAIN}", name, f"company contact ({company})",
            tuple(MembershipSpec(s, (Role.COMPANY_CONTACT.value,)) for s in slugs)))
    return people


@dataclass(frozen=True)
class DemoResult:
    tenants_created: int
    accounts_created: int


def load_demo() -> DemoResult:
    """Create what is missing of the demo network, in one transaction."""
    tenants_created = accounts_created = 0
    shared_hash = hash_password(DEMO_PASSWORD)  # argon2 once, not 150 times
    with system_session("demo network") as s, transaction(s):
        for inst in INSTITUTIONS:
            if s.exec(select(Tenant).where(Tenant.slug == inst.slug)).first() is None:
                do_create_tenant(s, None, slug=inst.slug, name=inst.name, kind=inst.kind)
                tenants_created += 1
        for p in demo_people():
            if find_account_by_email(s, p.email) is not None:
                continue
            do_create_account(s, None, email=p.email, password=DEMO_PASSWORD, full_name=p.full_name,
                              network_role=p.network_role, memberships=p.memberships,
                              password_hash=shared_hash)
            accounts_created += 1
    # the services below open their own sessions: after the accounts are committed
    for inst in INSTITUTIONS:
        load_year(inst.slug)
        load_activity(inst.slug)
    load_assessments([inst.slug for inst in INSTITUTIONS], DOMAIN, year_label(current_start_year()))
    return DemoResult(tenants_created, accounts_created)


# ---------------------------------------------------------------- the running year (issue 6)

WEEKLY_MEETING_TITLE = "Réunion de coordination hebdomadaire"
WEEKLY_MEETING = {"weekday": 0, "local_start": time(10, 0), "duration_minutes": 60}  # Mondays 10:00
# the yearly procedures whose first step the demo completes (when they run), so progress shows
FIRST_STEPS_DONE = ("P03", "P04", "P13")


def year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def current_start_year(today: date | None = None) -> int:
    """Moroccan academic years run from September to July (in August, the coming one)."""
    today = today or date.today()
    return today.year if today.month >= 8 else today.year - 1  # August: the coming year


def _year_input(start_year: int) -> dict:
    y = start_year
    return {"label": year_label(y), "starts_on": date(y, 9, 1), "ends_on": date(y + 1, 7, 31),
            "semesters": [{"starts_on": date(y, 9, 1), "ends_on": date(y + 1, 1, 31)},
                          {"starts_on": date(y + 1, 2, 1), "ends_on": date(y + 1, 7, 31)}],
            "holidays": [{"name": "Vacances de fin d'année", "starts_on": date(y, 12, 21),
                          "ends_on": date(y + 1, 1, 3)},
                         {"name": "Vacances de printemps", "starts_on": date(y + 1, 3, 22),
                          "ends_on": date(y + 1, 3, 29)}]}


def _complete_open(tenant_id: int, instance_id: int, holders: dict, *, step_n: int | None = None,
                   roles: tuple[str, ...] = ("manager",)) -> int:
    """Mark done the open tasks of an instance (of one step) held by `roles` that need no outcome."""
    with tenant_session(tenant_id) as s:
        tasks = s.exec(select(ProcedureTask).where(
            ProcedureTask.instance_id == instance_id, ProcedureTask.status == OPEN)
            .order_by(ProcedureTask.step_n, ProcedureTask.id)).all()
        todo = [(t.id, t.role, t.step_n) for t in tasks]
    done = 0
    for task_id, role, n in todo:
        actor = holders.get(role)
        if actor is None or role not in roles or (step_n is not None and n != step_n):
            continue
        try:
            proc.do_complete_task(actor, tenant_id, task_id, note="Fait (données de démonstration).")
        except ServiceError:  # a step with outcomes, or not this holder's: left open
            continue
        done += 1
    return done


def load_year(slug: str, *, today: date | None = None) -> int:
    """The centre's running year; returns how many procedure instances it started (0 when all
    exists already: every part is created only when missing)."""
    start = current_start_year(today)
    label, next_label = year_label(start), year_label(start + 1)
    with system_session("demo: the running year") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).one()
        tid = tenant.id
        local = {"manager": "manager", "career_counselor": "counselor.coordination",
                 "business_developer": "bizdev", "host_approver": "approver"}
        holders = {}
        for role, who in local.items():
            acc = s.exec(select(Account.id).join(Membership, Membership.account_id == Account.id).where(
                Account.email == f"{who}@{slug}.{DOMAIN}", Membership.tenant_id == tid)).first()
            if acc is not None:
                holders[role] = acc
    holders = {role: actor_for(acc, tid) for role, acc in holders.items()}
    manager = holders.get("manager")
    if manager is None:
        return 0
    with system_session("demo: the academic year") as s:
        year = s.exec(select(AcademicYear).where(AcademicYear.tenant_id == tid, AcademicYear.label == label)).first()
    if year is None:
        year = cal.do_set_academic_year(manager, tid, _year_input(start))
    year_id = year.id
    with system_session("demo: the weekly meeting") as s:
        series = s.exec(select(EventSeries.id).where(
            EventSeries.tenant_id == tid, EventSeries.academic_year_id == year_id,
            EventSeries.type == "weekly_coordination_meeting")).first()
    if series is None:
        cal.do_create_meeting_series(manager, tid, {"type": "weekly_coordination_meeting",
                                                    "title": WEEKLY_MEETING_TITLE, "academic_year_id": year_id,
                                                    **WEEKLY_MEETING})
    started = proc.start_academic_year(manager, tid, year_id)
    for inst in sorted(started, key=lambda i: i.code):
        if inst.code in FIRST_STEPS_DONE:
            _complete_open(tid, inst.id, holders, step_n=1)
    # next year's annual action plan, under way: step 1 done, one review of step 2 done
    with system_session("demo: next year's action plan") as s:
        plans = s.exec(select(ProcedureInstance.title).where(
            ProcedureInstance.tenant_id == tid, ProcedureInstance.code == "P01",
            ProcedureInstance.status != CANCELLED)).all()
    if not any(t.endswith(next_label) for t in plans):
        plan = proc.do_start_instance(manager, tid, "P01", label=next_label)
        _complete_open(tid, plan.id, holders, step_n=1)
        _complete_open(tid, plan.id, holders, step_n=2, roles=("career_counselor",))
        started.append(plan)
    return len(started)


def has_tenants() -> bool:
    with system_session("first start: is there data?") as s:
        return s.exec(select(Tenant.id).limit(1)).first() is not None
