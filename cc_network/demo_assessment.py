"""The demo network's assessments (issue 8): the default reference model, an evaluated
self-assessment in every centre but the first (whose manager runs one in the tour and the e2e),
and the demo evaluator assigned to the first two centres, so the benchmark has peers to show.

Ratings are drawn from a generator seeded by the centre's slug: the same demo every time.
"""

from __future__ import annotations

import random

from sqlmodel import select

from integrations.db import system_session
from tenants.auth.services import actor_for
from tenants.core.models import Account, Membership, Tenant
from workflows.assessment import external
from workflows.assessment import services as sa
from workflows.assessment.models import Assessment, RatingStatus
from workflows.assessment.reference import ensure_default_model

# how strong each demo centre is: the mean of its ratings leans on this
LEVEL = {"atlas-business": 2.3, "ista-souss": 1.5}


def _account(email: str) -> Account | None:
    with system_session("demo assessment") as s:
        return s.exec(select(Account).where(Account.email == email)).first()


def _manager(slug: str, domain: str):  # noqa: ANN202
    with system_session("demo assessment") as s:
        t = s.exec(select(Tenant).where(Tenant.slug == slug)).one()
        acc = s.exec(select(Account).where(Account.email == f"manager@{slug}.{domain}")).first()
        has = s.exec(select(Assessment.id).where(Assessment.tenant_id == t.id)).first() is not None
        if acc is None or s.exec(select(Membership).where(Membership.tenant_id == t.id,
                                                          Membership.account_id == acc.id)).first() is None:
            return t.id, None, has
    return t.id, actor_for(acc.id, t.id), has


def _self_assessment(slug: str, domain: str, year_label: str) -> None:
    _tid, mgr, has = _manager(slug, domain)
    if mgr is None or has:
        return
    rng = random.Random(f"assessment:{slug}")
    a = sa.do_start(mgr, title=f"Auto-évaluation {year_label}", period_label=year_label,
                    framing_note="Présentée à l'équipe en réunion de coordination.")
    aid = a.summary.id
    sa.do_plan(mgr, aid)
    sa.do_capture_live(mgr, aid)
    detail = sa.get_assessment(mgr, aid)
    mean = LEVEL.get(slug, 2.0)
    for c in (c for d in detail.domains for c in d.criteria):
        if rng.random() < 0.05:
            sa.do_rate(mgr, aid, c.code, status=RatingStatus.NOT_APPLICABLE.value,
                       justification="Activité non proposée par le centre cette année.")
            continue
        value = max(0, min(3, round(rng.gauss(mean, 0.8))))
        sa.do_rate(mgr, aid, c.code, value=value,
                   justification="Constat partagé en réunion d'équipe." if value >= 2
                   else "Pratique encore irrégulière ; à structurer.")
    sa.do_complete(mgr, aid)
    sa.do_compute(aid)


def load_assessments(slugs: list[str], domain: str, year_label: str) -> None:
    ensure_default_model()
    for slug in slugs[1:]:
        _self_assessment(slug, domain, year_label)
    evaluator, admin = _account(f"evaluator@{domain}"), _account(f"admin@{domain}")
    if evaluator is None or admin is None:
        return
    admin_actor = actor_for(admin.id, None)
    done = {(v.centre_id, v.evaluator_account_id) for v in external.list_assignments(admin_actor)}
    with system_session("demo assessment") as s:
        centres = {t.slug: t.id for t in s.exec(select(Tenant)).all()}
    for slug in slugs[:2]:
        if slug in centres and (centres[slug], evaluator.id) not in done:
            external.do_assign(admin_actor, centres[slug], evaluator.id)
