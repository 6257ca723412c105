"""The staff directory's filters on list_student_profiles: field, establishment, level."""

from __future__ import annotations

import pytest

from integrations.errors import Invalid
from tenants.portal.profiles import services as prof
from tests.conftest import create_person


def test_students_are_filtered_by_field_establishment_and_level(worlds):
    a, b = worlds
    mgr, tid = a.manager.actor, a.tenant_id
    host = prof.do_save_establishment(mgr, tid, {"name": "Faculté des Sciences", "is_host": True})
    ensa = prof.do_save_establishment(mgr, tid, {"name": "ENSA"})
    info = prof.do_save_study_field(mgr, tid, {"name": "Informatique"})
    law = prof.do_save_study_field(mgr, tid, {"name": "Droit"})
    other = create_person("other@alpha.test", tenant_id=tid, roles=["student"], name="Other Student")
    prof.do_update_my_profile(a.student.actor, tid, {"establishment_id": host.id, "field_id": info.id,
                                                     "level": "bac+3"})
    prof.do_update_my_profile(other.actor, tid, {"establishment_id": ensa.id, "field_id": law.id,
                                                 "level": "bac+5"})
    # B's student has a profile with B's own lists
    b_field = prof.do_save_study_field(b.manager.actor, b.tenant_id, {"name": "Informatique"})
    prof.do_update_my_profile(b.student.actor, b.tenant_id, {"field_id": b_field.id, "level": "bac+3"})

    def ids(**kw):
        return [p.membership_id for p in prof.list_student_profiles(a.counselor.actor, tid, **kw)]

    assert sorted(ids()) == sorted([a.student.membership_id, other.membership_id])
    assert ids(field_id=info.id) == [a.student.membership_id]
    assert ids(establishment_id=ensa.id) == [other.membership_id]
    assert ids(level="bac+3") == [a.student.membership_id]
    assert ids(level="bac+3", field_id=law.id) == []
    # another centre's field id finds nothing here
    assert ids(field_id=b_field.id) == []
    with pytest.raises(Invalid) as e:
        ids(level="bac+9")
    assert e.value.code == "invalid_filter"


def test_the_search_finds_the_name_the_student_gave_in_the_profile(world_a):
    tid = world_a.tenant_id
    prof.do_update_my_profile(world_a.student.actor, tid, {"full_name": "Salma Idrissi"})
    other = create_person("zed@alpha.test", tenant_id=tid, roles=["student"], name="Aaron Zed")
    found = prof.list_student_profiles(world_a.counselor.actor, tid, query="idrissi")
    assert [p.membership_id for p in found] == [world_a.student.membership_id]
    assert found[0].full_name == "Salma Idrissi"
    # the account's name and e-mail still match; the order follows the names shown
    assert [p.membership_id for p in prof.list_student_profiles(world_a.counselor.actor, tid, query="student@")] == [
        world_a.student.membership_id]
    assert [p.full_name for p in prof.list_student_profiles(world_a.counselor.actor, tid)] == [
        "Aaron Zed", "Salma Idrissi"]
    assert other.membership_id
