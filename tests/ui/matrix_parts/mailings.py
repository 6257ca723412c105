"""The isolation matrix of /staff/communications/mailings and the public preference page.

setup gives A one draft mailing and one scheduled mailing, each to one student of A."""

from __future__ import annotations

from integrations.db import system_session
from tests.communications.mailing_util import add_students
from tests.ui.matrix_cases import Probe, Public, View
from workflows.communications import mailing as mail
from workflows.communications.models import Mailing

ROUTE = "/staff/communications/mailings"


def setup(a, ids: dict, secrets: list) -> None:  # noqa: ANN001
    add_students(a.tenant_id, 1, level="MX", prefix="secretml")
    def make(title: str) -> int:
        return mail.do_create_mailing(a.counselor.actor, a.tenant_id, title=title, subject={"fr": "Objet"},
                                      body={"fr": "Bonjour {{ first_name }}"},
                                      audience={"kind": "students", "levels": ["MX"]})
    ids["ml_draft"] = make("Alpha secret draft mailing")
    ids["ml_sched"] = make("Alpha secret scheduled mailing")
    mail.do_schedule_mailing(a.counselor.actor, a.tenant_id, ids["ml_sched"])
    secrets += ["Alpha secret draft mailing", "Alpha secret scheduled mailing"]


def _state(key: str):  # noqa: ANN202
    def snap(a: dict) -> str:
        with system_session("matrix snapshot") as s:
            return s.get(Mailing, a[key]).state
    return snap


ENTRIES: dict[str, Probe | View | Public] = {
    "MailingsState.on_load": View(ROUTE),
    "MailingsState.next_page": View(ROUTE),
    "MailingsState.prev_page": View(ROUTE),
    "MailingsState.log_next": View(ROUTE),
    "MailingsState.log_prev": View(ROUTE),
    "MailingsState.filter_log": View(ROUTE, lambda a: ("sent",)),
    # creates one in the caller's own centre only
    "MailingsState.create": View(ROUTE, lambda a: ({"title": "Stolen", "audience": "students", "subject_fr": "x",
                                                    "body_fr": "x"},)),
    "MailingsState.open_log": View(ROUTE, lambda a: (a["ml_sched"],)),
    "MailingsState.send": Probe(ROUTE, lambda a: ({"mailing_id": str(a["ml_draft"]), "at": ""},),
                                _state("ml_draft"), owner="counselor"),
    "MailingsState.cancel": Probe(ROUTE, lambda a: (a["ml_sched"],), _state("ml_sched"), owner="counselor"),
    # the caller's own centre's settings only (the service takes the actor's centre)
    "MailingsState.save_settings": View(ROUTE, lambda a: ({"weekly_cap": "1"},)),
    "PreferencesState.on_load": Public("the signed link's own preferences; a bad link shows nothing"),
    "PreferencesState.save": Public("changes only the preferences of the signed link in the address"),
    "PreferencesState.unsubscribe_all": Public("changes only the preferences of the signed link in the address"),
}
