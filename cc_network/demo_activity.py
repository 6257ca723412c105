"""The demo centres' history (issues 4, 5 and 9): study lists and student profiles, the last
two months of activity (workshops with their attendance, visits, individual sessions held),
the partner map with the company contacts linked, job needs and offers.

Past activity cannot go through the services (they refuse the past: a booking in a slot
that is over, a check-in of a closed workshop), so the history is written as rows, the way
a migration from the centres' spreadsheets would; the statistics and the search index are
then rebuilt from those rows by their own services, exactly as for imported data.

Deterministic (seeded) and idempotent: a centre that already has study lists is left alone.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from integrations.db import system_session, tenant_session, transaction
from tenants.calendar.models import Event
from tenants.core.models import Account, Membership, Tenant
from tenants.portal.profiles.models import ConsentRecord, Establishment, StudentProfile, StudyField
from tenants.portal.profiles.services import CONSENT_TEXT_VERSION, SHARE_WITH_COMPANIES
from tenants.portal.registrations.models import ATTENDED, Registration
from tenants.portal.sessions.models import DONE, SessionBooking
from tenants.portal.visits.models import Visit
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.offers.models import Offer, OfferSource
from tenants.sourcing.partners.models import Company, Interaction, Person
from tenants.sourcing.partners.services import company_key, person_key

LEVELS = ("bac+1", "bac+2", "bac+3", "bac+4", "bac+5", "doctorate")
FEMALE_FIRST_NAMES = {"Salma", "Imane", "Khadija", "Fatima Zahra", "Meryem", "Houda", "Nisrine", "Kenza", "Sara",
                      "Hajar", "Soukaina", "Chaimae", "Oumaima", "Yasmine", "Ghita", "Laila", "Asmae", "Nawal", "Rim"}
SKILLS = ("Excel", "Python", "SQL", "Communication", "Gestion de projet", "Anglais professionnel", "Power BI",
          "Comptabilité", "Marketing digital", "AutoCAD", "Service client", "Négociation")
WORKSHOPS = ("Atelier CV et lettre de motivation", "Préparer un entretien d'embauche", "Optimiser son profil LinkedIn",
             "Trouver un stage de fin d'études")
PARTNERS = (  # (name, sector, size, city, relationship, key partner)
    ("Atlas Digital", "Services numériques", "medium", "Casablanca", "partner", True),
    ("Sahara Logistique", "Transport et logistique", "large", "Tanger", "active", False),
    ("Banque Chaouia", "Banque et assurance", "large", "Casablanca", "partner", True),
    ("Argan Agro", "Agroalimentaire", "small", "Agadir", "active", False),
    ("Médina Conseil", "Conseil", "small", "Fès", "contacted", False),
    ("Souss Hôtels", "Hôtellerie et tourisme", "medium", "Agadir", "prospect", False),
)
# the demo company contacts (cc_network.demo.COMPANIES) and the partner they speak for
CONTACT_COMPANY = {"atlas-digital": "Atlas Digital", "sahara-logistique": "Sahara Logistique",
                   "banque-chaouia": "Banque Chaouia", "argan-agro": "Argan Agro"}


def _level(label: str, levels: tuple[str, ...]) -> str:
    return LEVELS[min(levels.index(label), len(LEVELS) - 1)] if label in levels else "bac+3"


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=zone).astimezone(UTC)


def _workdays(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def load_activity(slug: str, *, today: date | None = None) -> bool:
    """Writes the centre's history once; returns whether it wrote anything."""
    from cc_network import demo

    inst = next(i for i in demo.INSTITUTIONS if i.slug == slug)
    today = today or date.today()
    rng = random.Random(f"activity:{slug}")
    with system_session("demo: the centre's history") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).one()
        tid, zone = tenant.id, ZoneInfo(tenant.timezone)
        if s.exec(select(Establishment.id).where(Establishment.tenant_id == tid).limit(1)).first() is not None:
            return False
        members = {a.email: m.id for m, a in s.exec(
            select(Membership, Account).join(Account, Account.id == Membership.account_id)
            .where(Membership.tenant_id == tid)).all()}
    dom = f"{slug}.{demo.DOMAIN}"
    counselors = [members[f"counselor.{x}@{dom}"] for x in ("coordination", "communication", "ambassadors")]
    logged_by = counselors + [members[f"intern@{dom}"]]
    with tenant_session(tid) as s, transaction(s):
        ests = {name: Establishment(tenant_id=tid, name=name, city="", is_host=(i == 0))
                for i, name in enumerate(inst.establishments)}
        fields = {name: StudyField(tenant_id=tid, name=name, sector="", tracks=[]) for name in inst.fields}
        s.add_all([*ests.values(), *fields.values()])
        s.flush()
        students: list[int] = []
        for p in demo.student_profiles(slug):
            mid = members.get(p.email)
            if mid is None:
                continue
            students.append(mid)
            gender = "female" if any(p.full_name.startswith(f + " ") for f in FEMALE_FIRST_NAMES) else "male"
            s.add(StudentProfile(
                tenant_id=tid, membership_id=mid, full_name=p.full_name, establishment_id=ests[p.establishment].id,
                field_id=fields[p.field].id, level=_level(p.level, inst.levels), gender=gender,
                graduation_year=today.year + rng.randint(0, 2), graduation_month=7,
                languages=[{"language": "Arabe", "level": "native"}, {"language": "Français", "level": "C1"},
                           {"language": "Anglais", "level": rng.choice(("B1", "B2", "C1"))}],
                skills=rng.sample(SKILLS, 4), qr_code=uuid.uuid4().hex,
                experiences=[{"title": "Stage d'été", "organisation": rng.choice(PARTNERS)[0],
                              "start": f"{today.year - 1}-07-01", "end": f"{today.year - 1}-08-31",
                              "description": "Stage d'observation et d'appui à l'équipe."}]))
            if rng.random() < 0.7:  # most students agree to be proposed to companies
                s.add(ConsentRecord(tenant_id=tid, membership_id=mid, purpose=SHARE_WITH_COMPANIES, granted=True,
                                    text_version=CONSENT_TEXT_VERSION))
        s.flush()
        # the last full month and this month so far: workshops with attendance, visits, sessions
        first_this = today.replace(day=1)
        first_last = (first_this - timedelta(days=1)).replace(day=1)
        days = [d for d in _workdays(first_last, today - timedelta(days=1))]
        for n, day in enumerate(days[2::6]):
            starts = _at(day, 14, zone)
            e = Event(tenant_id=tid, uid=f"demo-{uuid.uuid4().hex}", type="workshop",
                      title=WORKSHOPS[n % len(WORKSHOPS)], starts_at=starts, ends_at=starts + timedelta(hours=2),
                      timezone=str(zone), organiser_membership_id=counselors[n % len(counselors)], capacity=25,
                      status="closed", created_at=starts - timedelta(days=20))
            s.add(e)
            s.flush()
            present = rng.sample(students, rng.randint(8, 14))
            for mid in present:
                s.add(Registration(tenant_id=tid, event_id=e.id, student_membership_id=mid, status=ATTENDED,
                                   registered_at=starts - timedelta(days=5), confirmed_at=starts - timedelta(days=5),
                                   checked_in_at=starts + timedelta(minutes=5), updated_at=starts))
            e.registered_count = e.attendance_count = len(present)
        for day in days:
            for _ in range(rng.randint(0, 2)):
                s.add(Visit(tenant_id=tid, student_membership_id=rng.choice(students),
                            at=_at(day, rng.randint(9, 16), zone), channel=rng.choice(("walk_in", "phone", "online")),
                            needs=[rng.choice(("cv", "internship", "orientation", "interview_prep"))],
                            orientation="Orienté(e) vers un atelier et une séance individuelle.",
                            logged_by_membership_id=rng.choice(logged_by)))
        for day in days[1::3]:
            counselor = rng.choice(counselors)
            starts = _at(day, 10, zone)
            e = Event(tenant_id=tid, uid=f"demo-{uuid.uuid4().hex}", type="individual_session",
                      title="Séance individuelle", starts_at=starts, ends_at=starts + timedelta(minutes=45),
                      timezone=str(zone), organiser_membership_id=counselor, status="closed")
            s.add(e)
            s.flush()
            s.add(SessionBooking(tenant_id=tid, event_id=e.id, student_membership_id=rng.choice(students),
                                 counselor_membership_id=counselor, starts_at=starts, ends_at=e.ends_at,
                                 need="Relire mon CV avant une candidature de stage.", status=DONE,
                                 notes="CV revu ; lettre à retravailler.", next_action="Atelier entretien",
                                 confirmed_at=starts - timedelta(days=2), marked_at=e.ends_at))
        # the partner map (BD01), the demo company contacts linked to their company
        companies = {}
        for name, sector, size, city, rel, key in PARTNERS:
            c = Company(tenant_id=tid, name=name, name_key=company_key(name), sector=sector, size=size, city=city,
                        relationship=rel, key_partner=key)
            s.add(c)
            s.flush()
            companies[name] = c
            s.add(Interaction(tenant_id=tid, company_id=c.id, kind="meeting", at=_at(days[0], 11, zone),
                              summary=f"Rencontre avec {name} : besoins de recrutement de l'année.",
                              by_membership_id=members[f"bizdev@{dom}"]))
        for company, local, name, slugs in demo.COMPANIES:
            email = f"{local}@{company}.{demo.DOMAIN}"
            if slug in slugs and email in members:
                s.add(Person(tenant_id=tid, full_name=name, name_key=person_key(name), kind="hr", email=email,
                             company_id=companies[CONTACT_COMPANY[company]].id, membership_id=members[email],
                             job_title="Responsable recrutement"))
        deadline = today + timedelta(days=45)
        s.add(JobNeed(tenant_id=tid, company_id=companies["Atlas Digital"].id, source="email",
                      title="Stagiaires développeurs web", kind="internship", place="Casablanca", positions=3,
                      description="Stage de fin d'études de 6 mois, équipe produit.", skills=["Python", "SQL"],
                      deadline=deadline))
        s.add(JobNeed(tenant_id=tid, company_id=companies["Banque Chaouia"].id, source="email",
                      title="Conseillers clientèle (CDI)", kind="job", place="Casablanca", positions=12,
                      description="Recrutement de jeunes diplômés pour le réseau d'agences.",
                      skills=["Communication", "Service client"], deadline=deadline))
        src = OfferSource(tenant_id=tid, name="ANAPEC", kind="job_board", url="https://www.anapec.org")
        s.add(src)
        s.flush()
        now = datetime.now(UTC)
        s.add(Offer(tenant_id=tid, source_id=src.id, company_id=companies["Sahara Logistique"].id,
                    title="Assistant(e) supply chain", kind="job", place="Tanger", deadline=deadline,
                    description="Suivi des flux et des stocks.", status="published", featured=True,
                    ambassadors_at=now, published_at=now, collected_by_membership_id=members[f"bizdev@{dom}"]))
        s.add(Offer(tenant_id=tid, company_id=companies["Argan Agro"].id, title="Stage qualité (3 mois)",
                    kind="internship", place="Agadir", deadline=deadline, status="collected",
                    collected_by_membership_id=members[f"bizdev@{dom}"]))
    _rebuild_derived(tid)
    return True


def _rebuild_derived(tenant_id: int) -> None:
    """The statistics and the search index, computed from the rows above by their services."""
    from tenants.sourcing.search.services import reindex_tenant
    from workflows.reporting.statistics import rebuild

    reindex_tenant(tenant_id)
    rebuild(tenant_id)
