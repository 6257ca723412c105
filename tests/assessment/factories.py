"""Test factories for the assessment tests: a small reference model written straight to the tables."""

from __future__ import annotations

from integrations.db import system_session, utcnow
from workflows.assessment.models import (
    ModelStatus,
    RefCriterion,
    RefDomain,
    ReferenceModel,
    RefIndicator,
)


def make_model(domains: int = 3, criteria: int = 3, *, published: bool = True, version: int | None = None,
               live_keys: dict[str, str] | None = None) -> int:
    """A model with `domains` domains of `criteria` criteria; the first criterion of each domain is a
    "must". `live_keys` maps a criterion code to a live indicator key it gets. Returns its id."""
    with system_session("test fixture") as s:
        if version is None:
            last = max((m.version for m in s.query(ReferenceModel).all()), default=0)
            version = last + 1
        m = ReferenceModel(version=version, title=f"Model v{version}",
                           status=ModelStatus.PUBLISHED.value if published else ModelStatus.DRAFT.value,
                           published_at=utcnow() if published else None)
        s.add(m)
        s.flush()
        for d in range(domains):
            code = f"D{d + 1}"
            dom = RefDomain(model_id=m.id, code=code, position=d,
                            title={"fr": f"Domaine {d + 1}", "en": f"Domain {d + 1}", "ar": f"المجال {d + 1}"})
            s.add(dom)
            s.flush()
            for c in range(criteria):
                ccode = f"{code}.{c + 1}"
                crit = RefCriterion(model_id=m.id, domain_id=dom.id, code=ccode, position=c,
                                    title={"fr": f"Critère {ccode}", "en": f"Criterion {ccode}",
                                           "ar": f"المعيار {ccode}"},
                                    tier="must" if c == 0 else "should",
                                    evidence={"fr": "Preuves", "en": "Evidence", "ar": "أدلة"})
                s.add(crit)
                s.flush()
                if live_keys and ccode in live_keys:
                    s.add(RefIndicator(model_id=m.id, criterion_id=crit.id, code=f"{ccode}.a",
                                       title={"fr": "Indicateur", "en": "Indicator", "ar": "مؤشر"},
                                       live_key=live_keys[ccode], unit="count", target=1))
        s.commit()
        return m.id
