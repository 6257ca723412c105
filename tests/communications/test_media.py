"""The media library (BD04): upload checked by content, size limit, tags, checked reading,
deletion with confirmation and refused while an unpublished item uses the file."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import func, select

from integrations import storage
from integrations.db import system_session, tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tests.communications.flow_util import item_data, png
from workflows.communications import items
from workflows.communications import media as svc
from workflows.communications.models import CommItem, MediaAsset


def _count(tenant_id: int) -> int:
    with tenant_session(tenant_id) as s:
        return s.exec(select(func.count()).select_from(MediaAsset)).one()


def _files(tenant_id: int) -> list:
    folder = storage.private_root() / str(tenant_id) / "media"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_an_image_records_its_type_and_size(world_a):
    w = world_a
    m = svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="C:\\affiches\\atelier.png", data=png(40, 30),
                            title="", tags=["Atelier", "affiche", "atelier"])
    assert (m.content_type, m.width, m.height) == ("image/png", 40, 30)
    assert m.filename == "atelier.png" and m.title == "atelier" and m.tags == ["atelier", "affiche"]
    view, data = svc.read_media(w.manager.actor, w.tenant_id, m.id)
    assert data == png(40, 30) and view.is_image


def test_a_pdf_is_accepted(world_a):
    w = world_a
    m = svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="guide.pdf", data=b"%PDF-1.4\n%%EOF\n")
    assert m.content_type == "application/pdf" and m.width is None


@pytest.mark.parametrize("data, name, code", [
    (b"", "vide.png", "media_bad_file"),
    (b"MZ\x90\x00 this is an executable", "photo.png", "media_bad_type"),
    (png()[:60], "coupee.png", "media_bad_type"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "media_bad_type"),
])
def test_what_is_not_an_image_or_a_pdf_is_refused(world_a, data, name, code):
    w = world_a
    files = _files(w.tenant_id)
    with pytest.raises(Invalid) as exc:
        svc.do_upload_media(w.counselor.actor, w.tenant_id, filename=name, data=data)
    assert exc.value.code == code
    assert _count(w.tenant_id) == 0 and _files(w.tenant_id) == files


def test_a_file_over_10_mb_is_refused(world_a):
    w = world_a
    files = _files(w.tenant_id)
    big = png() + b"\0" * (svc.MAX_BYTES + 1)
    with pytest.raises(Invalid) as exc:
        svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="grand.png", data=big)
    assert exc.value.code == "media_too_large"
    assert _count(w.tenant_id) == 0 and _files(w.tenant_id) == files


def test_another_format_pillow_reads_is_refused(world_a):
    w = world_a
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="BMP")
    with pytest.raises(Invalid) as exc:
        svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="x.bmp", data=buf.getvalue())
    assert exc.value.code == "media_bad_type"


def test_bad_tags_and_title(world_a):
    w = world_a
    for kw in ({"tags": ["x" * 41]}, {"tags": [f"t{n}" for n in range(21)]}, {"tags": [3]}):
        with pytest.raises(Invalid) as exc:
            svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="a.png", data=png(), **kw)
        assert exc.value.code == "media_bad_tags"
    with pytest.raises(Invalid):
        svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="a.png", data=png(), title="x" * 201)
    assert _count(w.tenant_id) == 0


def test_list_by_tag_and_kind(world_a):
    w = world_a
    a = svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="a.png", data=png(), tags=["forum"])
    b = svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="b.pdf", data=b"%PDF-1.7\n", tags=["forum"])
    svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="c.png", data=png(), tags=["atelier"])
    assert {m.id for m in svc.list_media(w.manager.actor, w.tenant_id, tag="Forum").items} == {a.id, b.id}
    assert [m.id for m in svc.list_media(w.manager.actor, w.tenant_id, tag="forum", kind="pdf").items] == [b.id]
    page = svc.list_media(w.manager.actor, w.tenant_id, per_page=2)
    assert page.total == 3 and len(page.items) == 2
    assert svc.all_tags(w.manager.actor, w.tenant_id) == ["atelier", "forum"]
    got = svc.do_update_media(w.counselor.actor, w.tenant_id, a.id, title="Affiche forum", tags="forum, 2031")
    assert got.title == "Affiche forum" and got.tags == ["forum", "2031"]


def test_who_may_upload_and_read(world_a):
    w = world_a
    for key in ("student", "ambassador", "business_developer", "host_approver"):
        with pytest.raises(Forbidden):
            svc.do_upload_media(w.people[key].actor, w.tenant_id, filename="a.png", data=png())
    m = svc.do_upload_media(w.manager.actor, w.tenant_id, filename="a.png", data=png())
    assert svc.get_media(w.people["business_developer"].actor, w.tenant_id, m.id).id == m.id
    with pytest.raises(Forbidden):
        svc.read_media(w.student.actor, w.tenant_id, m.id)


def test_deletion_needs_confirmation_and_a_file_no_unpublished_item_uses(world_a):
    w = world_a
    files = _files(w.tenant_id)
    m = svc.do_upload_media(w.counselor.actor, w.tenant_id, filename="a.png", data=png())
    it = items.do_create_item(w.counselor.actor, w.tenant_id, item_data(media_ids=[m.id]))
    assert it.media_ids == [m.id]
    with pytest.raises(Invalid) as exc:
        svc.do_delete_media(w.counselor.actor, w.tenant_id, m.id)
    assert exc.value.code == "confirmation_required"
    with pytest.raises(Conflict) as exc:
        svc.do_delete_media(w.counselor.actor, w.tenant_id, m.id, confirm=True)
    assert exc.value.code == "media_in_use" and exc.value.params["items"] == [it.id]
    assert _count(w.tenant_id) == 1 and len(_files(w.tenant_id)) == len(files) + 1
    # once the item is published, the file may go
    with system_session("test: publish") as s:
        row = s.get(CommItem, it.id)
        row.state = "published"
        s.add(row)
        s.commit()
    svc.do_delete_media(w.counselor.actor, w.tenant_id, m.id, confirm=True)
    assert _count(w.tenant_id) == 0 and _files(w.tenant_id) == files
    with pytest.raises(NotFound):
        svc.read_media(w.manager.actor, w.tenant_id, m.id)


def test_another_centre_sees_nothing(worlds):
    a, b = worlds
    m = svc.do_upload_media(a.counselor.actor, a.tenant_id, filename="a.png", data=png())
    for call in (lambda: svc.get_media(b.manager.actor, b.tenant_id, m.id),
                 lambda: svc.read_media(b.manager.actor, b.tenant_id, m.id),
                 lambda: svc.do_update_media(b.counselor.actor, b.tenant_id, m.id, title="x"),
                 lambda: svc.do_delete_media(b.counselor.actor, b.tenant_id, m.id, confirm=True)):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.code == "media_not_found"
    with pytest.raises(NotFound):  # nor can b's items use it
        items.do_create_item(b.counselor.actor, b.tenant_id, item_data(media_ids=[m.id]))
    assert svc.list_media(b.manager.actor, b.tenant_id).total == 0
    assert _count(a.tenant_id) == 1
