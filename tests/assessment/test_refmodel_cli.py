"""`cc-network reference-model seed`: the default model on a fresh network, once."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import select

from cc_network.cli import main
from integrations.db import system_session
from workflows.assessment.models import ModelStatus, RefCriterion, ReferenceModel


def test_seed_twice_gives_one_published_version():
    r = CliRunner().invoke(main, ["reference-model", "seed"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "default reference model seeded" in r.output
    r = CliRunner().invoke(main, ["reference-model", "seed"], catch_exceptions=False)
    assert r.exit_code == 0 and "already present" in r.output
    with system_session("test") as s:
        models = s.exec(select(ReferenceModel)).all()
        assert [(m.version, m.status) for m in models] == [(1, ModelStatus.PUBLISHED.value)]
        assert len(s.exec(select(RefCriterion.id)).all()) == 51
        assert f"id {models[0].id}" in r.output


def test_seed_refuses_a_network_with_drafts_only():
    from tests.assessment.factories import make_model

    make_model(1, 1, published=False)
    r = CliRunner().invoke(main, ["reference-model", "seed"])
    assert r.exit_code == 1 and "none is published" in r.output
