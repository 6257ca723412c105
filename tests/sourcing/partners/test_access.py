"""Company access to the company portal: invitations, public access requests, approval and
rejection (P22.1)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from integrations.mail import DevMail
from tenants.auth.services import actor_for, do_reset_password
from tenants.core.models import Account, Membership
from tenants.sourcing.access import company_person
from tenants.sourcing.needs.models import CompanyAccessRequest
from tenants.sourcing.partners import access as acc
from tenants.sourcing.partners import services as svc
from tests.conftest import create_person
from tests.sourcing.util import make_company

REQUEST = {"company_name": "Atlas Conseil", "full_name": "Nadia Tazi", "email": "Nadia@Atlas.ma",
           "phone": "0661000000", "job_title": "DRH", "message": "Nous recrutons des stagiaires."}


def _bizdev(w):
    return w.people["business_developer"].actor


def _mails(to: str) -> list[DevMail]:
    with system_session("test mails") as s:
        return list(s.exec(select(DevMail).where(DevMail.to_email == to)).all())


def _requests(tenant_id: int) -> list[CompanyAccessRequest]:
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(CompanyAccessRequest)).all())


def _account_id(email: str) -> int:
    with system_session("test") as s:
        return s.exec(select(Account).where(Account.email == email)).one().id


# ---------------------------------------------------------------- invitations

def test_invited_new_contact_chooses_a_password_and_speaks_for_the_company(world_a, run_outbox):
    cid = make_company(world_a, "Acme")
    inv = acc.do_invite_contact(_bizdev(world_a), world_a.tenant_id,
                                {"full_name": "Sara Bennani", "email": "sara@acme.ma", "company_id": cid})
    assert inv.new_account and inv.company_id == cid
    assert run_outbox() == ["sent"]
    mail = _mails("sara@acme.ma")[0]
    assert "Acme" in mail.body_text and "/reset?token=" in mail.body_text
    token = mail.body_text.split("token=")[1].split()[0]
    do_reset_password(token, "Another-horse-77")
    actor = actor_for(_account_id("sara@acme.ma"), world_a.tenant_id)
    assert actor.roles == frozenset({"company_contact"})
    with tenant_session(world_a.tenant_id) as s:
        assert company_person(s, actor).company_id == cid


def test_inviting_an_existing_member_adds_the_role(world_a, run_outbox):
    cid = make_company(world_a, "Acme")
    p = svc.do_create_person(_bizdev(world_a), world_a.tenant_id,
                             {"full_name": "Intern", "email": "intern@alpha.test", "company_id": cid})
    inv = acc.do_invite_contact(_bizdev(world_a), world_a.tenant_id, {"person_id": p.id})
    assert not inv.new_account and inv.membership_id == world_a.people["intern"].membership_id
    with tenant_session(world_a.tenant_id) as s:
        assert s.get(Membership, inv.membership_id).roles == ["intern", "company_contact"]
    run_outbox()
    assert "/login" in _mails("intern@alpha.test")[0].body_text


def test_invitation_refusals_change_nothing(worlds):
    a, b = worlds
    cid = make_company(a, "Acme")
    no_mail = svc.do_create_person(_bizdev(a), a.tenant_id, {"full_name": "Sans Mail", "company_id": cid})
    no_company = svc.do_create_person(_bizdev(a), a.tenant_id, {"full_name": "Libre", "email": "libre@x.ma"})
    for data, err, code in [
        ({"person_id": no_mail.id}, Invalid, "email_required"),
        ({"person_id": no_company.id}, Invalid, "company_required"),
        ({"full_name": "X Y", "email": "bad", "company_id": cid}, Invalid, "invalid_email"),
        ({"full_name": "X Y", "email": "x@y.ma"}, Invalid, "company_required"),
        ({"full_name": "X Y", "email": "x@y.ma", "company_id": make_company(b, "Other")}, NotFound, "not_found"),
    ]:
        with pytest.raises(err) as exc:
            acc.do_invite_contact(_bizdev(a), a.tenant_id, data)
        assert exc.value.code == code, data
    with pytest.raises(Forbidden):
        acc.do_invite_contact(a.people["ambassador"].actor, a.tenant_id, {"person_id": no_mail.id})
    with system_session("test") as s:
        assert s.exec(select(Account).where(Account.email == "x@y.ma")).first() is None


# ---------------------------------------------------------------- requests

def test_request_then_approve_gives_access(world_a, run_outbox):
    create_person("bizdev2@alpha.test", tenant_id=world_a.tenant_id, roles=["business_developer"])
    r = acc.do_request_access("alpha", REQUEST, client_ip="10.0.0.1")
    assert (r.status, r.email) == ("pending", "nadia@atlas.ma")
    run_outbox()
    # the business developers are told, not the managers
    assert len(_mails("bizdev@alpha.test")) == 1 and len(_mails("bizdev2@alpha.test")) == 1
    assert _mails("manager@alpha.test") == []
    assert [x.id for x in acc.list_access_requests(_bizdev(world_a), world_a.tenant_id).items] == [r.id]

    inv = acc.do_approve_access_request(_bizdev(world_a), world_a.tenant_id, r.id)

    company = svc.get_company(_bizdev(world_a), world_a.tenant_id, inv.company_id)
    assert company.name == "Atlas Conseil"
    person = svc.get_person(_bizdev(world_a), world_a.tenant_id, inv.person_id)
    assert (person.email, person.phone, person.job_title, person.has_access) == (
        "nadia@atlas.ma", "0661000000", "DRH", True)
    assert acc.list_access_requests(_bizdev(world_a), world_a.tenant_id).total == 0
    assert acc.list_access_requests(_bizdev(world_a), world_a.tenant_id, status="approved").items[0].company_id == \
        company.id
    actor = actor_for(_account_id("nadia@atlas.ma"), world_a.tenant_id)
    with tenant_session(world_a.tenant_id) as s:
        assert company_person(s, actor).id == person.id
    with pytest.raises(Conflict) as exc:
        acc.do_approve_access_request(_bizdev(world_a), world_a.tenant_id, r.id)
    assert exc.value.code == "access_request_handled"


def test_managers_are_told_when_there_is_no_business_developer(world_a, run_outbox):
    with system_session("test") as s:
        m = s.get(Membership, world_a.people["business_developer"].membership_id)
        m.active = False
        s.add(m)
        s.commit()
    acc.do_request_access("alpha", REQUEST)
    run_outbox()
    assert len(_mails("manager@alpha.test")) == 1 and _mails("bizdev@alpha.test") == []


def test_approve_into_an_existing_company_or_stop_on_duplicate(world_a):
    cid = make_company(world_a, "Atlas Conseil")
    r = acc.do_request_access("alpha", REQUEST)
    with pytest.raises(Conflict) as exc:
        acc.do_approve_access_request(_bizdev(world_a), world_a.tenant_id, r.id)
    assert exc.value.code == "duplicate_company" and exc.value.params["existing_id"] == cid
    assert _requests(world_a.tenant_id)[0].status == "pending"
    inv = acc.do_approve_access_request(_bizdev(world_a), world_a.tenant_id, r.id, company_id=cid)
    assert inv.company_id == cid
    assert svc.list_companies(_bizdev(world_a), world_a.tenant_id).total == 1


def test_one_open_request_per_email(world_a):
    acc.do_request_access("alpha", REQUEST)
    with pytest.raises(Conflict) as exc:
        acc.do_request_access("alpha", {**REQUEST, "email": "NADIA@atlas.ma"})
    assert exc.value.code == "access_already_requested"
    assert len(_requests(world_a.tenant_id)) == 1


def test_reject_with_a_reason_emails_the_requester(world_a, run_outbox):
    r = acc.do_request_access("alpha", REQUEST)
    with pytest.raises(Invalid) as exc:
        acc.do_reject_access_request(_bizdev(world_a), world_a.tenant_id, r.id, reason=" ")
    assert exc.value.code == "reason_required"
    done = acc.do_reject_access_request(_bizdev(world_a), world_a.tenant_id, r.id,
                                        reason="Nous ne travaillons qu'avec des entreprises de la région.")
    assert done.status == "rejected"
    run_outbox()
    assert "région" in _mails("nadia@atlas.ma")[0].body_text
    # a new request is possible once the first is handled
    acc.do_request_access("alpha", REQUEST)


@pytest.mark.parametrize("payload, code", [
    ({**REQUEST, "company_name": ""}, "name_required"),
    ({**REQUEST, "email": "nadia"}, "invalid_email"),
    ({**REQUEST, "full_name": "N"}, "invalid_name"),
    ({**REQUEST, "message": "x" * 2001}, "text_too_long"),
    ({**REQUEST, "role": "manager"}, "invalid"),
])
def test_bad_requests_are_refused(world_a, payload, code):
    with pytest.raises(Invalid) as exc:
        acc.do_request_access("alpha", payload)
    assert exc.value.code == code
    assert _requests(world_a.tenant_id) == []


def test_requests_are_rate_limited_and_need_a_known_centre(world_a):
    for i in range(5):
        acc.do_request_access("alpha", {**REQUEST, "email": f"n{i}@atlas.ma"}, client_ip="10.0.0.9")
    with pytest.raises(RateLimited):
        acc.do_request_access("alpha", {**REQUEST, "email": "n9@atlas.ma"}, client_ip="10.0.0.9")
    with pytest.raises(NotFound):
        acc.do_request_access("nowhere", REQUEST)
    assert len(_requests(world_a.tenant_id)) == 5


def test_another_centres_request_is_not_found(worlds):
    a, b = worlds
    r = acc.do_request_access("alpha", REQUEST)
    with pytest.raises(NotFound):
        acc.do_approve_access_request(_bizdev(b), b.tenant_id, r.id)
    with pytest.raises(NotFound):
        acc.do_reject_access_request(_bizdev(b), b.tenant_id, r.id, reason="Pas chez nous")
    assert acc.list_access_requests(_bizdev(b), b.tenant_id).total == 0
    assert _requests(a.tenant_id)[0].status == "pending"
