"""Helpers run in a child process against the e2e server's own database.

The unit-test database is wiped before every test, so the e2e server keeps its own
SQLite file; these commands reach it with the server's CC_* environment.

    python -m tests.e2e.seed seed            # migrate, one centre with a manager
    python -m tests.e2e.seed deliver         # relay every due outbox message
    python -m tests.e2e.seed last-mail EMAIL # the newest dev-mailbox message to EMAIL, as JSON
    python -m tests.e2e.seed add-member EMAIL NAME ROLE[,ROLE]  # a member of the centre with PASSWORD
    python -m tests.e2e.seed event-uid TITLE  # the iCalendar UID of the centre's event of that title
    python -m tests.e2e.seed portal-setup EMAIL NAME TITLE  # a counselor with hours, a published workshop
    python -m tests.e2e.seed survey-setup EMAIL NAME TITLE  # a student who attended a closed workshop
    python -m tests.e2e.seed move-to-past TITLE             # the workshop took place (ended an hour ago)
    python -m tests.e2e.seed procedures-setup TITLE [EMAIL NAME ROLE[,ROLE]]...
        # members with PASSWORD, and this week's weekly coordination meeting (in an hour) called TITLE
    python -m tests.e2e.seed sourcing-setup EMAIL NAME COMPANY [EMAIL NAME yes|no]...
        # a company with its signed-in contact, and students (consenting or not) with a profile
    python -m tests.e2e.seed demo                    # the demo network and its history
    python -m tests.e2e.seed month-figures SLUG      # last month's workshops, visits, sessions (source rows)
    python -m tests.e2e.seed last-mail-full EMAIL    # like last-mail, with the attachments
    python -m tests.e2e.seed comm-channel SLUG PORT  # the centre's Mastodon channel, at a local fake on PORT
    python -m tests.e2e.seed comm-publish PORT       # publish due items: posts to the fake, e-mails sent
"""

from __future__ import annotations

import json
import sys

TENANT_SLUG = "alpha"
TENANT_NAME = "Université Alpha"
MANAGER_EMAIL = "manager@alpha.example.org"
MANAGER_NAME = "Malika Manager"
PASSWORD = "Correct-horse-42"


def seed() -> None:
    from cc_network.migrate import migrate
    from integrations.db import system_session
    from tenants.auth.passwords import hash_password
    from tenants.core.models import Account, Membership
    from tenants.core.services import do_create_tenant

    migrate()
    with system_session("e2e seed") as s:
        tenant = do_create_tenant(s, None, slug=TENANT_SLUG, name=TENANT_NAME)
        account = Account(email=MANAGER_EMAIL, full_name=MANAGER_NAME, password_hash=hash_password(PASSWORD))
        s.add(account)
        s.flush()
        s.add(Membership(tenant_id=tenant.id, account_id=account.id, roles=["manager"]))
        s.commit()


def deliver() -> None:
    import integrations.mail  # noqa: F401  (registers the e-mail handler)
    from cc_network.worker import TASK_MODULES
    from integrations import outbox

    for name in TASK_MODULES:  # every outbox handler (the assessment's computation, mailings…)
        __import__(name)
    from integrations.db import system_session

    with system_session("e2e relay") as s:
        print(json.dumps([outbox.deliver(s, mid) for mid in outbox.due_ids(s)]))


def last_mail(to: str) -> None:
    from sqlmodel import select

    from integrations.db import system_session
    from integrations.mail import DevMail

    with system_session("e2e mailbox") as s:
        row = s.exec(select(DevMail).where(DevMail.to_email == to).order_by(DevMail.id.desc())).first()
        print(json.dumps(None if row is None else {"subject": row.subject, "body": row.body_text}))


def add_member(email: str, name: str, roles: str) -> None:
    from sqlmodel import select

    from integrations.db import system_session
    from tenants.auth.passwords import hash_password
    from tenants.core.models import Account, Membership, Tenant

    with system_session("e2e seed member") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        account = Account(email=email, full_name=name, password_hash=hash_password(PASSWORD))
        s.add(account)
        s.flush()
        s.add(Membership(tenant_id=tenant.id, account_id=account.id, roles=roles.split(",")))
        s.commit()


def event_uid(title: str) -> None:
    from sqlmodel import select

    from integrations.db import system_session
    from tenants.calendar.models import Event
    from tenants.core.models import Tenant

    with system_session("e2e event uid") as s:
        # the seeded centre's (the demo network, loaded by other tests, has workshops of that title too)
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        row = s.exec(select(Event).where(Event.tenant_id == tenant.id, Event.title == title)
                     .order_by(Event.id.desc())).first()
        print(json.dumps(None if row is None else row.uid))


def portal_setup(counselor_email: str, counselor_name: str, workshop_title: str) -> None:
    """A counselor working every day 08:00–20:00 and a published workshop in five days."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import select

    from integrations.db import system_session
    from tenants.auth.services import actor_for
    from tenants.calendar import services as cal
    from tenants.core.models import Account, Membership, Tenant

    add_member(counselor_email, counselor_name, "career_counselor")
    with system_session("e2e portal setup") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        ids = {}
        for email in (counselor_email, MANAGER_EMAIL):
            acc = s.exec(select(Account).where(Account.email == email)).one()
            m = s.exec(select(Membership).where(Membership.account_id == acc.id,
                                                Membership.tenant_id == tenant.id)).one()
            ids[email] = (acc.id, m.id)
    counselor = actor_for(ids[counselor_email][0], tenant.id)
    manager = actor_for(ids[MANAGER_EMAIL][0], tenant.id)
    cal.do_set_availability(counselor, tenant.id, counselor.membership_id,
                            [{"weekday": d, "start_time": "08:00", "end_time": "20:00"} for d in range(7)])
    zone = ZoneInfo("Africa/Casablanca")
    day = (datetime.now(zone) + timedelta(days=5)).date()
    start = datetime.combine(day, time(15, 0), tzinfo=zone)
    e = cal.do_create_event(counselor, tenant.id, {
        "type": "workshop", "title": workshop_title, "starts_at": start, "ends_at": start + timedelta(hours=2),
        "capacity": 10, "organiser_membership_id": counselor.membership_id})
    cal.do_transition(counselor, tenant.id, e.id, "propose")
    cal.do_transition(manager, tenant.id, e.id, "validate")
    cal.do_transition(counselor, tenant.id, e.id, "publish")
    print(json.dumps({"event_id": e.id}))


def survey_setup(student_email: str, student_name: str, workshop_title: str) -> None:
    """A student (with PASSWORD) checked in at a workshop that took place and is closed, so
    its questionnaire is open to her."""
    from datetime import timedelta

    from sqlmodel import select

    from integrations.db import system_session, utcnow
    from tenants.auth.services import actor_for
    from tenants.calendar import services as cal
    from tenants.calendar.models import Event
    from tenants.core.models import Account, Tenant
    from tenants.portal.registrations import services as reg

    add_member(student_email, student_name, "student")
    with system_session("e2e survey setup") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        student_id = s.exec(select(Account.id).where(Account.email == student_email)).one()
        manager_id = s.exec(select(Account.id).where(Account.email == MANAGER_EMAIL)).one()
    student, manager = actor_for(student_id, tenant.id), actor_for(manager_id, tenant.id)
    start = utcnow() + timedelta(days=30)
    e = cal.do_create_event(manager, tenant.id, {
        "type": "workshop", "title": workshop_title, "starts_at": start, "ends_at": start + timedelta(hours=2),
        "capacity": 10, "organiser_membership_id": manager.membership_id})
    for action in ("propose", "validate", "publish"):
        cal.do_transition(manager, tenant.id, e.id, action)
    r = reg.do_register(student, tenant.id, e.id)
    # the workshop took place this morning: moved into the past once she has registered
    with system_session("e2e survey setup: move the workshop") as s:
        row = s.get(Event, e.id)
        row.starts_at, row.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        row.registration_closes_at = None
        s.add(row)
        s.commit()
    reg.do_check_in(manager, tenant.id, r.id)
    cal.do_transition(manager, tenant.id, e.id, "mark_held")
    cal.do_transition(manager, tenant.id, e.id, "close",
                      closing={"attendance_count": reg.attendance_count(tenant.id, e.id)})
    print(json.dumps({"event_id": e.id}))


def move_to_past(workshop_title: str) -> None:
    """The workshop took place: it started three hours ago and ended an hour ago."""
    from datetime import timedelta

    from sqlmodel import select

    from integrations.db import system_session, utcnow
    from tenants.calendar.models import Event
    from tenants.core.models import Tenant

    with system_session("e2e: the workshop took place") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        row = s.exec(select(Event).where(Event.tenant_id == tenant.id, Event.title == workshop_title)).one()
        row.starts_at, row.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
        row.registration_closes_at = None
        s.add(row)
        s.commit()
        print(json.dumps({"event_id": row.id}))


def procedures_setup(meeting_title: str, *members: str) -> None:
    """Members (EMAIL NAME ROLES triples) and the team's weekly coordination meeting, this week:
    it starts in an hour, the manager organises it and the centre's staff attend."""
    from datetime import timedelta

    from sqlmodel import select

    from integrations.db import system_session, utcnow
    from tenants.auth.services import actor_for
    from tenants.calendar import services as cal
    from tenants.calendar.models import Event
    from tenants.core.models import Account, Membership, Tenant

    if len(members) % 3:
        raise SystemExit("members come as EMAIL NAME ROLES triples")
    for i in range(0, len(members), 3):
        add_member(*members[i:i + 3])
    staff = {"manager", "career_counselor", "business_developer"}
    with system_session("e2e procedures setup") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        manager_id = s.exec(select(Account.id).where(Account.email == MANAGER_EMAIL)).one()
        team = [m.id for m in s.exec(select(Membership).where(Membership.tenant_id == tenant.id,
                                                              Membership.active)).all()
                if staff & set(m.roles)]
    manager = actor_for(manager_id, tenant.id)
    start = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
    e = cal.do_create_event(manager, tenant.id, {
        "type": "weekly_coordination_meeting", "title": meeting_title, "starts_at": start,
        "ends_at": start + timedelta(hours=1), "organiser_membership_id": manager.membership_id,
        "staff_membership_ids": team}, override_conflicts=True, override_reason="e2e: the weekly meeting")
    # like the occurrences of the meeting series: published as created
    with system_session("e2e: the meeting is on the calendar") as s:
        row = s.get(Event, e.id)
        row.status = cal.PUBLISHED
        s.add(row)
        s.commit()
    print(json.dumps({"event_id": e.id}))


def sourcing_setup(contact_email: str, contact_name: str, company: str, *students: str) -> None:
    """A company of the partner map with its contact (a company_contact member linked to it,
    with PASSWORD), and students (EMAIL NAME CONSENT triples, CONSENT "yes"/"no") with a
    profile the search finds (skill "Python")."""
    from sqlmodel import select

    from integrations.db import system_session, tenant_session
    from tenants.auth.services import actor_for
    from tenants.core.models import Account, Membership, Tenant
    from tenants.portal.profiles import services as prof
    from tenants.sourcing.partners.models import Company, Person
    from tenants.sourcing.partners.services import company_key, person_key

    if len(students) % 3:
        raise SystemExit("students come as EMAIL NAME CONSENT triples")
    add_member(contact_email, contact_name, "company_contact")
    for i in range(0, len(students), 3):
        add_member(students[i], students[i + 1], "student")
    with system_session("e2e sourcing setup") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == TENANT_SLUG)).one()
        ids = {a.email: (a.id, m.id) for m, a in s.exec(
            select(Membership, Account).join(Account, Account.id == Membership.account_id)
            .where(Membership.tenant_id == tenant.id)).all()}
    with tenant_session(tenant.id) as s:
        c = Company(tenant_id=tenant.id, name=company, name_key=company_key(company), sector="Services numériques")
        s.add(c)
        s.flush()
        s.add(Person(tenant_id=tenant.id, full_name=contact_name, name_key=person_key(contact_name),
                     email=contact_email, company_id=c.id, membership_id=ids[contact_email][1]))
        s.commit()
    for i in range(0, len(students), 3):
        student = actor_for(ids[students[i]][0], tenant.id)
        prof.do_update_my_profile(student, tenant.id, {"skills": ["Python", "SQL"], "level": "bac+5"})
        if students[i + 2] == "yes":
            prof.do_set_consent(student, tenant.id, granted=True)
    print(json.dumps({"company_id": c.id}))


def demo() -> None:
    """The demo network, in the e2e database (its centres, people and history)."""
    from cc_network.demo import load_demo

    load_demo()


def month_figures(slug: str) -> None:
    """What the centre recorded last month, counted straight from the source tables: workshops
    held, attendances, visits, individual sessions held."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import func
    from sqlmodel import select

    from integrations.db import system_session
    from tenants.calendar.models import Event
    from tenants.core.models import Tenant
    from tenants.portal.registrations.models import Registration
    from tenants.portal.sessions.models import DONE, SessionBooking
    from tenants.portal.visits.models import Visit

    with system_session("e2e month figures") as s:
        tenant = s.exec(select(Tenant).where(Tenant.slug == slug)).one()
        zone = ZoneInfo(tenant.timezone)
        first_this = date.today().replace(day=1)
        first_last = (first_this - timedelta(days=1)).replace(day=1)
        start = datetime.combine(first_last, datetime.min.time(), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(first_this, datetime.min.time(), tzinfo=zone).astimezone(UTC)
        t = tenant.id
        workshops = s.exec(select(func.count()).select_from(Event).where(
            Event.tenant_id == t, Event.type == "workshop", Event.status == "closed",
            Event.starts_at >= start, Event.starts_at < end)).one()
        attendance = s.exec(select(func.count()).select_from(Registration).join(
            Event, Event.id == Registration.event_id).where(
            Registration.tenant_id == t, Event.type == "workshop", Registration.checked_in_at.is_not(None),
            Event.starts_at >= start, Event.starts_at < end)).one()
        visits = s.exec(select(func.count()).select_from(Visit).where(
            Visit.tenant_id == t, Visit.at >= start, Visit.at < end)).one()
        sessions = s.exec(select(func.count()).select_from(SessionBooking).where(
            SessionBooking.tenant_id == t, SessionBooking.status == DONE,
            SessionBooking.starts_at >= start, SessionBooking.starts_at < end)).one()
    print(json.dumps({"month": first_last.isoformat(), "workshops": workshops, "attendance": attendance,
                      "visits": visits, "sessions": sessions}))


def last_mail_full(to: str) -> None:
    """The newest dev-mailbox message to `to`, with its attachments: name, type, and for a PDF
    the number of pages pypdf reads from it (0: it does not open)."""
    import base64
    import io

    from pypdf import PdfReader
    from sqlmodel import select

    from integrations.db import system_session
    from integrations.mail import DevMail

    with system_session("e2e mailbox") as s:
        row = s.exec(select(DevMail).where(DevMail.to_email == to).order_by(DevMail.id.desc())).first()
        if row is None:
            print(json.dumps(None))
            return
        atts = []
        for att in row.attachments or []:
            pages = 0
            if att.get("content_type") == "application/pdf":
                try:
                    pages = len(PdfReader(io.BytesIO(base64.b64decode(att["content_b64"]))).pages)
                except Exception:  # noqa: BLE001  (a PDF that does not open reads as 0 pages)
                    pages = 0
            atts.append({"filename": att.get("filename"), "content_type": att.get("content_type"),
                         "pdf_pages": pages})
        print(json.dumps({"subject": row.subject, "body": row.body_text, "attachments": atts}))


E2E_SOCIAL_TOKEN = "e2e-mastodon-token-0001"


def comm_channel(slug: str, port: str) -> None:
    """The centre's Mastodon account, at the local fake's address (the fake runs while publishing)."""
    from sqlmodel import select

    from cc_network.demo import DOMAIN
    from integrations.db import system_session
    from tenants.auth.services import actor_for
    from tenants.core.models import Account, Tenant
    from workflows.communications import channels as ch

    with system_session("e2e") as s:
        tid = s.exec(select(Tenant.id).where(Tenant.slug == slug)).one()
        acc = s.exec(select(Account.id).where(Account.email == f"manager@{slug}.{DOMAIN}")).one()
    manager = actor_for(acc, tid)
    v = ch.do_connect(manager, tid, provider="mastodon", display_name="Career Center (Mastodon)",
                      base_url=f"http://127.0.0.1:{port}", token=E2E_SOCIAL_TOKEN)
    # this week's coordination meeting is open (the manager opens its record when it starts)
    from integrations.db import utcnow
    from tenants.calendar.models import Event
    from workflows.meetings.services import do_open_meeting

    with system_session("e2e") as s:
        events = s.exec(select(Event).where(Event.tenant_id == tid, Event.type == "weekly_coordination_meeting",
                                            Event.status != "cancelled")).all()
    now = utcnow()
    nearest = min(events, key=lambda e: abs((e.starts_at - now).total_seconds()))
    do_open_meeting(manager, tid, nearest.id)
    # the workshop the counselor announces, in ten days
    from datetime import timedelta

    from tenants.calendar import services as cal

    start = (now + timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
    workshop = cal.do_create_event(manager, tid, {"type": "workshop", "title": "Atelier CV e2e",
                                                  "starts_at": start, "ends_at": start + timedelta(hours=2)},
                                   override_conflicts=True, override_reason="e2e: the announced workshop")
    print(json.dumps({"channel_id": v.id, "meeting_event_id": nearest.id, "workshop_id": workshop.id}))


def comm_publish(port: str) -> None:
    """What beat and the workers do, inline: publish the validated items whose time has come, send
    their posts to the local fake social network (on `port`) and their e-mails to the dev mailbox.
    Prints what the fake account received."""
    from datetime import timedelta

    import workflows.communications.delivery as delivery
    from integrations import outbox
    from integrations.db import system_session, tenant_session, utcnow
    from tests.integrations.social_fakes import FakeSocial
    from workflows.communications.items import publish_all_due
    from workflows.communications.models import Mailing

    def post(payload: dict) -> None:
        delivery.publish_post(int(payload["tenant_id"]), int(payload["delivery_id"]))

    def dispatch(payload: dict) -> None:
        tid, mid = int(payload["tenant_id"]), int(payload["mailing_id"])
        with tenant_session(tid) as s:
            m = s.get(Mailing, mid)
            m.state = "sending"
            s.add(m)
            s.commit()
            batches = delivery.queued_batches(s, mid)
        for b in batches:
            delivery.send_batch(tid, mid, b)

    fake = FakeSocial(port=int(port)).start()
    fake.grant("mastodon", E2E_SOCIAL_TOKEN)
    try:
        # the item is due: beat runs a little after its publication time
        queued = publish_all_due(now=utcnow() + timedelta(hours=2))
        outbox._HANDLERS[delivery.POST_KIND] = post  # noqa: SLF001  (the worker's part, in this process)
        outbox._HANDLERS[delivery.DISPATCH_KIND] = dispatch  # noqa: SLF001
        with system_session("e2e relay") as s:
            states = [outbox.deliver(s, mid) for mid in outbox.due_ids(s)]
    finally:
        fake.stop()
    print(json.dumps({"queued": queued, "outbox": states,
                      "posts": [{"provider": p.provider, "text": p.text} for p in fake.published]}))


if __name__ == "__main__":
    import cc_network.models  # noqa: F401  (every table mapped, for the foreign keys)

    cmd, *args = sys.argv[1:]
    {"seed": seed, "deliver": deliver, "last-mail": last_mail, "add-member": add_member,
     "event-uid": event_uid, "portal-setup": portal_setup,
     "survey-setup": survey_setup, "move-to-past": move_to_past,
     "procedures-setup": procedures_setup, "sourcing-setup": sourcing_setup, "demo": demo,
     "month-figures": month_figures, "last-mail-full": last_mail_full, "comm-channel": comm_channel,
     "comm-publish": comm_publish}[cmd](*args)
