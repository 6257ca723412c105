"""The reference model (issue 8 §1): the seeded default, versions, editing a draft, publishing,
and who may do what."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from tenants.core.actor import Actor
from tests.assessment.factories import make_model
from tests.conftest import create_person
from workflows.assessment import reference as ref
from workflows.assessment.models import (
    Assessment,
    ModelStatus,
    RefCriterion,
    RefDomain,
    ReferenceModel,
    RefIndicator,
)
from workflows.assessment.scoring import Answer, evaluate

SPEC = yaml.safe_load(ref.DEFAULT_MODEL_FILE.read_text(encoding="utf-8"))
BOOK_FAMILIES = {  # spec/procedures.en.yaml, meta.procedures_by_family
    "planning": ["P01", "P02", "P03"], "ambassadors": ["P04"],
    "activities": ["P05", "P06", "P07", "P08", "P09", "P10", "P11", "P12"],
    "host-institution": ["P13", "P14", "P15", "P16"],
    "private-sector": ["P17", "P18", "P19", "P20", "P21", "P22", "P23"],
    "reporting": ["P24", "P25", "P26", "P27", "P28"], "communication": ["P29", "P30"], "procedures": ["P31"],
}


@pytest.fixture
def admin(network_admin) -> Actor:
    return network_admin.actor


@pytest.fixture
def seeded() -> int:
    mid = ref.ensure_default_model()
    assert mid is not None
    return mid


def _table_counts(model_id: int) -> tuple[int, int, int]:
    with system_session("test") as s:
        return tuple(len(s.exec(select(t.id).where(t.model_id == model_id)).all())
                     for t in (RefDomain, RefCriterion, RefIndicator))


def _snapshot() -> list:
    with system_session("test") as s:
        rows = []
        for t in (ReferenceModel, RefDomain, RefCriterion, RefIndicator):
            rows += [tuple(sorted(r.model_dump(mode="json").items())) for r in s.exec(select(t)).all()]
        return sorted(rows, key=repr)


# ---------------------------------------------------------------- the default model

def test_default_model_covers_every_family_and_dimension(seeded, admin):
    tree = ref.get_model(admin, seeded)
    assert tree.model.version == 1 and tree.model.status == "published" and tree.model.current
    families = {d.family for d in tree.domains}
    assert set(BOOK_FAMILIES) <= families
    assert set(ref.DIMENSIONS) <= families
    assert 12 <= len(tree.domains) <= 14
    assert 45 <= len(tree.criteria()) <= 60
    for d in tree.domains:
        assert 3 <= len(d.criteria) <= 5, d.code
        assert any(c.tier == "must" for c in d.criteria), f"{d.code} has no must"
        assert all(d.title.get(lang) for lang in ("fr", "en", "ar")), d.code
    # every procedure of the book is related to a criterion, and the domain of a family covers
    # at least one of that family's procedures
    related = {p for c in tree.criteria() for p in c.procedures}
    assert related == {f"P{n:02d}" for n in range(1, 32)}
    for d in tree.domains:
        if d.family in BOOK_FAMILIES:
            assert {p for c in d.criteria for p in c.procedures} & set(BOOK_FAMILIES[d.family]), d.code


def test_default_model_texts_are_in_three_languages_and_arabic_is_arabic(seeded, admin):
    tree = ref.get_model(admin, seeded)
    for c in tree.criteria():
        for texts in (c.title, c.evidence):
            assert set(texts) == {"fr", "en", "ar"}, c.code
            assert any("\u0600" <= ch <= "\u06ff" for ch in texts["ar"]), c.code
            assert texts["fr"] != texts["en"] or c.code.startswith("COM"), c.code
        for i in c.indicators:
            assert set(i.title) == {"fr", "en", "ar"}, i.code


def test_default_model_uses_every_live_key_with_its_unit(seeded, admin):
    tree = ref.get_model(admin, seeded)
    live = [i for c in tree.criteria() for i in c.indicators if i.live_key]
    assert sorted(i.live_key for i in live) == sorted(ref.LIVE_KEYS)  # each once
    for i in live:
        assert i.unit == ref.LIVE_UNITS[i.live_key] and i.target is not None and i.target > 0
    late = next(i for i in live if i.live_key == "statistics_late_share")
    assert late.higher_is_better is False
    manual = [i for c in tree.criteria() for i in c.indicators if not i.live_key]
    assert manual and all(i.unit in ref.UNITS for i in manual)
    assert tree.model.live_indicators == len(ref.LIVE_KEYS)
    assert tree.model.indicators == len(live) + len(manual)


def test_live_keys_list_is_the_brief_list():
    assert set(ref.LIVE_KEYS) == {
        "plan_validated", "midyear_review_done", "weekly_meetings_held", "ambassadors_active", "workshops_held",
        "individual_sessions_held", "students_served", "satisfaction_average", "companies_engaged",
        "needs_shortlisted_within_14_days", "recruitment_days_held", "offers_published",
        "monthly_reports_sent_on_time", "statistics_late_share", "performance_reviews_done",
        "procedure_revisions", "certificates_issued"}


def test_seed_is_idempotent(seeded):
    assert ref.ensure_default_model() == seeded
    with system_session("test") as s:
        assert len(s.exec(select(ReferenceModel)).all()) == 1
    assert _table_counts(seeded) == (13, 51, _table_counts(seeded)[2])


def test_seed_keeps_an_existing_network_model():
    mid = make_model(2, 2)
    assert ref.ensure_default_model() == mid
    with system_session("test") as s:
        assert len(s.exec(select(ReferenceModel)).all()) == 1


def test_load_criteria_in_model_order_feeds_the_scoring_rule(seeded):
    with system_session("test") as s:
        specs = ref.load_criteria(s, seeded)
    assert [c.code for c in specs[:5]] == ["MIS.1", "MIS.2", "MIS.3", "MIS.4", "PLA.1"]
    assert specs[0].domain == "MIS" and specs[0].tier == "must" and specs[0].weight == 2
    domains = list(dict.fromkeys(c.domain for c in specs))
    assert domains == [d["code"] for d in SPEC["domains"]]
    result = evaluate(specs, {c.code: Answer(value=3) for c in specs})
    assert result["overall"] == 100 and result["maturity"] == "advanced"
    # a tenant's session reads the network's model too (the compute job runs in one)
    with tenant_session(create_tenant_id()) as s:
        assert ref.load_criteria(s, seeded) == specs
    with system_session("test") as s, pytest.raises(NotFound):
        ref.load_criteria(s, 2**31 - 2)


def create_tenant_id() -> int:
    from tests.conftest import create_tenant

    return create_tenant("gamma")


# ---------------------------------------------------------------- versions

def test_new_version_is_a_deep_copy(seeded, admin):
    v2 = ref.do_new_version(admin, seeded)
    assert (v2.version, v2.status, v2.based_on_id, v2.based_on_version) == (2, "draft", seeded, 1)
    assert v2.created_by_name and not v2.current
    old, new = ref.get_model(admin, seeded), ref.get_model(admin, v2.id)

    def shape(tree):
        return [(d.code, d.position, d.family, d.title,
                 [(c.code, c.position, c.title, c.tier, c.evidence, c.justification, c.weight, c.procedures,
                   [(i.code, i.position, i.title, i.live_key, i.unit, i.target, i.higher_is_better)
                    for i in c.indicators]) for c in d.criteria]) for d in tree.domains]

    assert shape(new) == shape(old)
    assert not {c.id for c in old.criteria()} & {c.id for c in new.criteria()}
    assert not {d.id for d in old.domains} & {d.id for d in new.domains}
    assert all(c.domain_id in {d.id for d in new.domains} for c in new.criteria())
    # editing the copy leaves the original as it was
    crit = new.domains[0].criteria[0]
    ref.do_update_criterion(admin, v2.id, crit.id, {"title": {"fr": "Nouveau titre"}, "weight": 3})
    assert ref.get_model(admin, seeded).domains[0].criteria[0].title == old.domains[0].criteria[0].title
    assert ref.get_model(admin, v2.id).domains[0].criteria[0].title == {"fr": "Nouveau titre"}


def test_published_and_retired_versions_are_never_edited(seeded, admin):
    tree = ref.get_model(admin, seeded)
    d, c = tree.domains[0], tree.domains[0].criteria[0]
    i = next(c.indicators[0] for c in tree.criteria() if c.indicators)
    attempts = [
        lambda: ref.do_update_model(admin, seeded, {"title": "Autre"}),
        lambda: ref.do_add_domain(admin, seeded, {"code": "NEW", "title": {"fr": "Nouveau"}}),
        lambda: ref.do_update_domain(admin, seeded, d.id, {"title": {"fr": "X"}}),
        lambda: ref.do_delete_domain(admin, seeded, d.id),
        lambda: ref.do_add_criterion(admin, seeded, d.id, {"title": {"fr": "X"}}),
        lambda: ref.do_update_criterion(admin, seeded, c.id, {"tier": "should"}),
        lambda: ref.do_delete_criterion(admin, seeded, c.id),
        lambda: ref.do_add_indicator(admin, seeded, c.id, {"title": {"fr": "X"}}),
        lambda: ref.do_update_indicator(admin, seeded, i.id, {"target": 3}),
        lambda: ref.do_delete_indicator(admin, seeded, i.id),
        lambda: ref.do_publish(admin, seeded),
        lambda: ref.do_delete_draft(admin, seeded),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as exc:
            attempt()
        assert exc.value.code == "model_not_draft"
    # retired: the same
    v2 = ref.do_new_version(admin, seeded)
    ref.do_publish(admin, v2.id, retire_older=True)
    assert ref.get_model(admin, seeded).model.status == "retired"
    with pytest.raises(Conflict) as exc:
        ref.do_update_domain(admin, seeded, d.id, {"title": {"fr": "X"}})
    assert exc.value.code == "model_not_draft"
    assert ref.get_model(admin, seeded).domains[0].title == d.title


def test_publish_makes_the_new_version_current_and_assessments_keep_theirs(seeded, admin, world_a):
    with tenant_session(world_a.tenant_id) as s:
        a = Assessment(model_id=ref.current_model_id(), title="Auto-évaluation 2026")
        s.add(a)
        s.commit()
        aid = a.id
    v2 = ref.do_new_version(admin, seeded, title="Modèle v2")
    assert ref.current_model_id() == seeded  # a draft is not taken
    pub = ref.do_publish(admin, v2.id)
    assert pub.status == "published" and pub.published_at is not None and pub.current
    assert ref.current_model_id() == v2.id
    # the previous version stays published (readable, in use) unless retired
    assert ref.get_model(admin, seeded).model.status == "published"
    with tenant_session(world_a.tenant_id) as s:
        assert s.get(Assessment, aid).model_id == seeded


def test_publish_refuses_an_empty_version(admin):
    make_model(1, 1)
    with system_session("test") as s:
        mid = s.exec(select(ReferenceModel.id)).one()
    draft = ref.do_new_version(admin, mid)
    tree = ref.get_model(admin, draft.id)
    dom = ref.do_add_domain(admin, draft.id, {"code": "EMPTY", "title": {"fr": "Vide"}})
    with pytest.raises(Invalid) as exc:
        ref.do_publish(admin, draft.id)
    assert exc.value.code == "domain_empty"
    ref.do_delete_domain(admin, draft.id, dom.id)
    ref.do_delete_domain(admin, draft.id, tree.domains[0].id)
    with pytest.raises(Invalid) as exc:
        ref.do_publish(admin, draft.id)
    assert exc.value.code == "model_empty"
    assert ref.get_model(admin, draft.id).model.status == "draft"


def test_retire_keeps_one_published_version(seeded, admin):
    with pytest.raises(Conflict) as exc:
        ref.do_retire(admin, seeded)
    assert exc.value.code == "model_last_published"
    v2 = ref.do_new_version(admin, seeded)
    with pytest.raises(Conflict) as exc:
        ref.do_retire(admin, v2.id)
    assert exc.value.code == "model_not_published"
    ref.do_publish(admin, v2.id)
    assert ref.do_retire(admin, seeded).status == "retired"
    assert ref.current_model_id() == v2.id


def test_a_draft_in_use_is_not_discarded(seeded, admin, world_a):
    v2 = ref.do_new_version(admin, seeded)
    v3 = ref.do_new_version(admin, v2.id)
    with pytest.raises(Conflict) as exc:
        ref.do_delete_draft(admin, v2.id)  # v3 was copied from it
    assert exc.value.code == "model_in_use"
    with tenant_session(world_a.tenant_id) as s:
        s.add(Assessment(model_id=v3.id, title="Essai"))
        s.commit()
    with pytest.raises(Conflict) as exc:
        ref.do_delete_draft(admin, v3.id)
    assert exc.value.code == "model_in_use"
    assert _table_counts(v3.id)[1] == 51


def test_discard_a_draft(seeded, admin):
    v2 = ref.do_new_version(admin, seeded)
    ref.do_delete_draft(admin, v2.id)
    assert _table_counts(v2.id) == (0, 0, 0)
    with pytest.raises(NotFound):
        ref.get_model(admin, v2.id)
    assert _table_counts(seeded)[1] == 51


# ---------------------------------------------------------------- editing a draft

@pytest.fixture
def draft(seeded, admin) -> int:
    return ref.do_new_version(admin, seeded).id


def test_edit_a_draft_tree(draft, admin):
    d = ref.do_add_domain(admin, draft, {"code": "inn", "title": {"fr": "Innovation", "ar": "الابتكار"},
                                         "family": "outcomes", "position": 0})
    assert d.code == "INN" and d.position == 0
    tree = ref.get_model(admin, draft)
    assert [x.code for x in tree.domains][:2] == ["INN", "MIS"]
    assert [x.position for x in tree.domains] == list(range(len(tree.domains)))
    c1 = ref.do_add_criterion(admin, draft, d.id, {"title": {"fr": "Un laboratoire d'idées"}, "tier": "must",
                                                   "weight": "2.5", "procedures": ["p31", "P01", "P31"],
                                                   "justification": "always"})
    assert (c1.code, c1.tier, c1.weight, c1.procedures, c1.justification) == (
        "INN.1", "must", 2.5, ("P01", "P31"), "always")
    c2 = ref.do_add_criterion(admin, draft, d.id, {"title": {"fr": "Deuxième"}, "position": 0})
    assert c2.code == "INN.2" and c2.tier == "should" and c2.justification == "below_met"
    i1 = ref.do_add_indicator(admin, draft, c1.id, {"title": {"fr": "Ateliers"}, "live_key": "workshops_held",
                                                    "target": 10})
    assert (i1.code, i1.unit, i1.target) == ("INN.1.A", "count", 10)
    i2 = ref.do_add_indicator(admin, draft, c1.id, {"title": {"fr": "Budget"}, "unit": "percent", "target": 50})
    assert i2.code == "INN.1.B" and i2.live_key == ""
    tree = ref.get_model(admin, draft)
    inn = tree.domains[0]
    assert [c.code for c in inn.criteria] == ["INN.2", "INN.1"]
    assert [i.code for i in inn.criteria[1].indicators] == ["INN.1.A", "INN.1.B"]
    # move: reorder, change domain
    ref.do_update_indicator(admin, draft, i2.id, {"position": 0})
    ref.do_update_criterion(admin, draft, c1.id, {"position": 0})
    mis = tree.domains[1]
    ref.do_update_criterion(admin, draft, c2.id, {"domain_id": mis.id, "position": 1})
    tree = ref.get_model(admin, draft)
    assert [c.code for c in tree.domains[0].criteria] == ["INN.1"]
    assert [i.code for i in tree.domains[0].criteria[0].indicators] == ["INN.1.B", "INN.1.A"]
    assert [c.code for c in tree.domains[1].criteria] == ["MIS.1", "INN.2", "MIS.2", "MIS.3", "MIS.4"]
    assert [c.position for c in tree.domains[1].criteria] == [0, 1, 2, 3, 4]
    assert tree.domains[1].criteria[1].domain_code == "MIS"
    # update fields, unset a target
    i = ref.do_update_indicator(admin, draft, i1.id, {"target": None, "higher_is_better": False})
    assert i.target is None and i.higher_is_better is False and i.unit == "count"
    dom = ref.do_update_domain(admin, draft, d.id, {"title": {"fr": "Innovation sociale", "en": "Social innovation"}})
    assert dom.title == {"fr": "Innovation sociale", "en": "Social innovation"}
    # deletes renumber the rest
    ref.do_delete_criterion(admin, draft, c2.id)
    tree = ref.get_model(admin, draft)
    assert [c.position for c in tree.domains[1].criteria] == [0, 1, 2, 3]
    ref.do_delete_domain(admin, draft, d.id)
    tree = ref.get_model(admin, draft)
    assert tree.domains[0].code == "MIS" and tree.domains[0].position == 0
    with system_session("test") as s:
        assert s.get(RefIndicator, i1.id) is None and s.get(RefCriterion, c1.id) is None
    # the draft publishes, and its criteria feed the scoring rule
    ref.do_publish(admin, draft)
    with system_session("test") as s:
        assert len(ref.load_criteria(s, draft)) == 51


BAD = [
    ("domain", {"code": "X Y", "title": {"fr": "x"}}, "code_invalid"),
    ("domain", {"code": "Z", "title": {"en": "only english"}}, "title_fr_required"),
    ("domain", {"code": "Z", "title": {"fr": "   "}}, "title_fr_required"),
    ("domain", {"code": "Z", "title": {"fr": "x", "de": "y"}}, "invalid_language"),
    ("domain", {"code": "Z", "title": "plain"}, "text_invalid"),
    ("domain", {"code": "Z", "title": {"fr": "x"}, "family": "astrology"}, "family_invalid"),
    ("domain", {"code": "MIS", "title": {"fr": "x"}}, "code_taken"),
    ("domain", {"code": "MIS.1", "title": {"fr": "x"}}, "code_taken"),  # one code space per version
    ("domain", {"code": "Z", "title": {"fr": "x" * 301}}, "text_too_long"),
    ("domain", {"code": "Z", "title": {"fr": "a\x00b"}}, "text_invalid"),
    ("domain", {"code": "Z", "title": {"fr": "x"}, "surprise": 1}, "invalid"),
    ("criterion", {"title": {"fr": "x"}, "tier": "could"}, "tier_invalid"),
    ("criterion", {"title": {"fr": "x"}, "tier": ["must"]}, "tier_invalid"),
    ("criterion", {"title": {"fr": "x"}, "weight": 0}, "weight_out_of_range"),
    ("criterion", {"title": {"fr": "x"}, "weight": 10.5}, "weight_out_of_range"),
    ("criterion", {"title": {"fr": "x"}, "weight": -1}, "weight_out_of_range"),
    ("criterion", {"title": {"fr": "x"}, "weight": "nan"}, "weight_out_of_range"),
    ("criterion", {"title": {"fr": "x"}, "weight": True}, "weight_out_of_range"),
    ("criterion", {"title": {"fr": "x"}, "justification": "sometimes"}, "justification_rule_invalid"),
    ("criterion", {"title": {"fr": "x"}, "procedures": ["P32"]}, "procedure_unknown"),
    ("criterion", {"title": {"fr": "x"}, "procedures": "P01"}, "procedure_unknown"),
    ("criterion", {"title": {"fr": "x"}, "evidence": {"en": "only english"}}, "text_fr_required"),
    ("criterion", {"title": {"fr": "x"}, "code": "PLA.1"}, "code_taken"),
    ("criterion", {"tier": "must"}, "title_fr_required"),
    ("indicator", {"title": {"fr": "x"}, "live_key": "made_up"}, "live_key_unknown"),
    ("indicator", {"title": {"fr": "x"}, "live_key": "workshops_held", "unit": "percent"}, "live_unit_mismatch"),
    ("indicator", {"title": {"fr": "x"}, "unit": "kg"}, "unit_invalid"),
    ("indicator", {"title": {"fr": "x"}, "unit": "percent", "target": 120}, "target_out_of_range"),
    ("indicator", {"title": {"fr": "x"}, "unit": "score5", "target": 6}, "target_out_of_range"),
    ("indicator", {"title": {"fr": "x"}, "unit": "flag", "target": 0.5}, "target_out_of_range"),
    ("indicator", {"title": {"fr": "x"}, "target": -1}, "target_out_of_range"),
    ("indicator", {"title": {"fr": "x"}, "target": "inf"}, "target_out_of_range"),
]


@pytest.mark.parametrize("kind, data, code", BAD, ids=[f"{k}-{c}-{i}" for i, (k, _, c) in enumerate(BAD)])
def test_bad_input_is_refused_and_nothing_changes(draft, admin, kind, data, code):
    tree = ref.get_model(admin, draft)
    before = _snapshot()
    with pytest.raises((Invalid, Conflict)) as exc:
        if kind == "domain":
            ref.do_add_domain(admin, draft, data)
        elif kind == "criterion":
            ref.do_add_criterion(admin, draft, tree.domains[0].id, data)
        else:
            ref.do_add_indicator(admin, draft, tree.domains[0].criteria[0].id, data)
    assert exc.value.code == code
    assert _snapshot() == before


def test_updates_check_the_same_rules(draft, admin):
    tree = ref.get_model(admin, draft)
    c = tree.domains[1].criteria[0]  # PLA.1, with its live indicator plan_validated
    ind = c.indicators[0]
    before = _snapshot()
    cases = [
        (lambda: ref.do_update_criterion(admin, draft, c.id, {"code": "MIS.1"}), "code_taken"),
        (lambda: ref.do_update_criterion(admin, draft, c.id, {"weight": 11}), "weight_out_of_range"),
        (lambda: ref.do_update_indicator(admin, draft, ind.id, {"unit": "count"}), "live_unit_mismatch"),
        (lambda: ref.do_update_indicator(admin, draft, ind.id, {"target": 2}), "target_out_of_range"),
        (lambda: ref.do_update_domain(admin, draft, tree.domains[0].id, {"title": {"fr": ""}}),
         "title_fr_required"),
        (lambda: ref.do_update_model(admin, draft, {"title": " "}), "model_title_required"),
    ]
    for call, code in cases:
        with pytest.raises((Invalid, Conflict)) as exc:
            call()
        assert exc.value.code == code
    assert _snapshot() == before
    # a renamed code frees the old one
    ref.do_update_criterion(admin, draft, c.id, {"code": "pla.10"})
    ref.do_add_criterion(admin, draft, tree.domains[1].id, {"code": "PLA.1", "title": {"fr": "Réutilisé"}})


def test_items_of_another_version_answer_not_found(seeded, draft, admin):
    other = ref.do_new_version(admin, seeded).id
    theirs = ref.get_model(admin, other)
    d, c = theirs.domains[0], theirs.domains[0].criteria[0]
    i = next(c.indicators[0] for c in theirs.criteria() if c.indicators)
    before = _snapshot()
    for call, code in [
        (lambda: ref.do_update_domain(admin, draft, d.id, {"title": {"fr": "x"}}), "ref_domain_not_found"),
        (lambda: ref.do_delete_domain(admin, draft, d.id), "ref_domain_not_found"),
        (lambda: ref.do_add_criterion(admin, draft, d.id, {"title": {"fr": "x"}}), "ref_domain_not_found"),
        (lambda: ref.do_update_criterion(admin, draft, c.id, {"weight": 2}), "ref_criterion_not_found"),
        (lambda: ref.do_delete_criterion(admin, draft, c.id), "ref_criterion_not_found"),
        (lambda: ref.do_add_indicator(admin, draft, c.id, {"title": {"fr": "x"}}), "ref_criterion_not_found"),
        (lambda: ref.do_update_indicator(admin, draft, i.id, {"target": 1}), "ref_indicator_not_found"),
        (lambda: ref.do_delete_indicator(admin, draft, i.id), "ref_indicator_not_found"),
        (lambda: ref.do_update_criterion(admin, draft, ref.get_model(admin, draft).criteria()[0].id,
                                         {"domain_id": d.id}), "ref_domain_not_found"),
        (lambda: ref.get_model(admin, 2**31 - 2), "model_not_found"),
        (lambda: ref.get_model(admin, "1"), "model_not_found"),
        (lambda: ref.do_new_version(admin, 2**31 - 2), "model_not_found"),
    ]:
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.code == code
    assert _snapshot() == before


# ---------------------------------------------------------------- who may

def test_staff_and_evaluators_read_published_versions_only(seeded, admin, world_a):
    draft = ref.do_new_version(admin, seeded)
    evaluator = create_person("eval@network.test", network_role="external_evaluator").actor
    for reader in (world_a.manager.actor, world_a.counselor.actor, world_a.people["business_developer"].actor,
                   evaluator):
        assert [m.version for m in ref.list_models(reader)] == [1]
        assert ref.get_model(reader, seeded).model.version == 1
        with pytest.raises(NotFound) as exc:
            ref.get_model(reader, draft.id)
        assert exc.value.code == "model_not_found"
    assert [m.version for m in ref.list_models(admin)] == [2, 1]
    for outsider in ("student", "company_contact", "ambassador", "intern", "host_approver"):
        with pytest.raises(Forbidden):
            ref.list_models(world_a.people[outsider].actor)
        with pytest.raises(Forbidden):
            ref.get_model(world_a.people[outsider].actor, seeded)
    with pytest.raises(Unauthenticated):
        ref.list_models(None)


def test_only_network_admins_edit(seeded, admin, world_a):
    draft = ref.do_new_version(admin, seeded)
    tree = ref.get_model(admin, draft.id)
    evaluator = create_person("eval@network.test", network_role="external_evaluator").actor
    before = _snapshot()
    for actor in (world_a.manager.actor, world_a.counselor.actor, evaluator):
        for call in (
            lambda a=actor: ref.do_new_version(a, seeded),
            lambda a=actor: ref.do_update_model(a, draft.id, {"title": "x"}),
            lambda a=actor: ref.do_add_domain(a, draft.id, {"code": "Z", "title": {"fr": "x"}}),
            lambda a=actor: ref.do_update_criterion(a, draft.id, tree.criteria()[0].id, {"weight": 2}),
            lambda a=actor: ref.do_delete_domain(a, draft.id, tree.domains[0].id),
            lambda a=actor: ref.do_publish(a, draft.id),
            lambda a=actor: ref.do_retire(a, seeded),
            lambda a=actor: ref.do_delete_draft(a, draft.id),
        ):
            with pytest.raises(Forbidden):
                call()
    assert _snapshot() == before
    assert ModelStatus.DRAFT.value == ref.get_model(admin, draft.id).model.status


def test_text_in_falls_back_to_french():
    assert ref.text_in({"fr": "Bonjour", "ar": "مرحبا"}, "ar") == "مرحبا"
    assert ref.text_in({"fr": "Bonjour"}, "en") == "Bonjour"
    assert ref.text_in({}, "en") == ""


def test_two_admins_making_versions_at_once_both_get_one(seeded, admin):
    """Both read the same last version number; the unique version makes the later one take the next."""
    import threading

    barrier = threading.Barrier(2)
    made, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            made.append(ref.do_new_version(admin, seeded).version)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(made) == [2, 3]
    with system_session("test") as s:
        for version in (2, 3):
            m = s.exec(select(ReferenceModel).where(ReferenceModel.version == version)).one()
            assert len(s.exec(select(RefCriterion.id).where(RefCriterion.model_id == m.id)).all()) == 51
