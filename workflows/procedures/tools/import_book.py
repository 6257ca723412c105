"""Convert the procedure book (book/procedures.en.yaml) into the product's definitions
(definitions/P01.yaml … P31.yaml, version 1). A dev tool, run by hand when the book changes:

    python -m workflows.procedures.tools.import_book

The product never reads the book: it reads the definitions this writes (catalog.load). The
mapping of the book's words (actors, documents, meetings) lives in catalog.py; what cannot be
read from the book's fields (triggers, due dates, the branches of a decision, joins) is in the
tables below, each with the book's words it comes from.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

from workflows.procedures import catalog
from workflows.procedures.schema import Actor, Procedure

HERE = Path(__file__).resolve().parent.parent
BOOK = HERE / "book" / "procedures.en.yaml"
OUT = HERE / "definitions"

BRANCH_KINDS = ("decision", "approval", "review_in_weekly_meeting", "review_in_monthly_meeting",
                "review_in_semester_meeting")
MEETING_KIND = {"review_in_weekly_meeting": "weekly_coordination_meeting",
                "review_in_monthly_meeting": "monthly_management_meeting",
                "review_in_semester_meeting": "semester_meeting"}
# roles the product notifies (staff and host institution); students, companies and outside
# parties are reached by the step's holder, through the portal or the communications module
NOTIFIABLE = {"manager", "career_counselor", "business_developer", "ambassador", "intern", "host_approver",
              "host_focal_point"}

# ------------------------------------------------------------------------------------------
# triggers: the book's trigger → the product's (type, recurrence, event types)
_PUBLIC_EVENTS = ["debate_workshop", "hook_event", "job_fair", "host_conference", "guest_speaker",
                  "recruitment_day", "company_visit", "association_activity"]
TRIGGERS: dict[str, dict[str, Any]] = {
    "P01": {"type": "academic_year_end", "recurrence": "annual"},
    "P02": {"type": "semester_2_start", "recurrence": "annual"},
    # the slot is fixed once a year; the weekly loop runs inside the year's instance
    "P03": {"type": "academic_year_start", "recurrence": "annual"},
    "P04": {"type": "academic_year_start", "recurrence": "annual"},
    "P05": {"type": "academic_year_start", "recurrence": "annual"},
    # a visit or attendance: the portal records it; the procedure is started by hand when needed
    "P06": {"type": "manual", "recurrence": "continuous"},
    "P07": {"type": "request", "recurrence": "on_demand"},
    # planned in the monthly meeting: one instance per workshop created in the calendar
    "P08": {"type": "event_created", "recurrence": "per_event", "event_types": ["workshop"]},
    "P09": {"type": "academic_year_start", "recurrence": "annual"},
    "P10": {"type": "academic_year_start", "recurrence": "annual"},
    "P11": {"type": "event_created", "recurrence": "per_event", "event_types": ["external_job_fair"]},
    "P12": {"type": "academic_year_start", "recurrence": "annual"},
    # started with the year; the presentation meeting is due one month before its end
    "P13": {"type": "academic_year_start", "recurrence": "annual"},
    "P14": {"type": "academic_year_start", "recurrence": "annual"},
    "P15": {"type": "academic_year_start", "recurrence": "annual"},
    "P16": {"type": "academic_year_end", "recurrence": "annual"},
    "P17": {"type": "academic_year_start", "recurrence": "annual"},
    "P18": {"type": "academic_year_start", "recurrence": "annual"},
    # the recruitment day is decided inside the procedure (step 6): started by hand per company
    "P19": {"type": "manual", "recurrence": "per_event"},
    "P20": {"type": "event_created", "recurrence": "per_event", "event_types": ["company_visit"]},
    "P21": {"type": "event_created", "recurrence": "per_event", "event_types": ["job_fair"]},
    # a job need submitted by a company (or entered by staff) starts its own P22
    "P22": {"type": "job_need_submitted", "recurrence": "on_demand"},
    "P23": {"type": "manual", "recurrence": "unspecified"},
    "P24": {"type": "week", "recurrence": "weekly"},
    # one instance per year carries the weekly, monthly, semester and annual reports
    "P25": {"type": "academic_year_start", "recurrence": "annual"},
    "P26": {"type": "month_start", "recurrence": "monthly"},
    "P27": {"type": "academic_year_start", "recurrence": "annual"},
    "P28": {"type": "manual", "recurrence": "unspecified"},
    "P29": {"type": "manual", "recurrence": "per_period"},
    "P30": {"type": "event_created", "recurrence": "per_event", "event_types": _PUBLIC_EVENTS},
    "P31": {"type": "semester_start", "recurrence": "semester"},
}

# ------------------------------------------------------------------------------------------
# due dates: the book's timing cue → (anchor, offset_days); the cue is kept in text_en
TIMINGS: dict[str, tuple[str, int]] = {
    "end of academic year": ("academic_year_end", 0),
    "start of semester 2": ("semester_2_start", 0),
    "start of year": ("academic_year_start", 7),
    "start of school year": ("academic_year_start", 7),
    "first month of the year": ("academic_year_start", 30),
    "from the new year": ("academic_year_start", 30),
    "end of past year": ("academic_year_end", 0),
    "one month before end of academic year": ("academic_year_end", -30),
    "one month before end of year": ("academic_year_end", -30),
    "at least 3 months before the event": ("event_start", -90),
    "at least 3 months before the fair date": ("event_start", -90),
    "before Thursday (avant le jeudi)": ("week_cutoff", 0),
    "no later than the day before the weekly meeting": ("week_cutoff", 0),
    "before the weekly coordination meeting": ("week_cutoff", 0),
    "start of month": ("month_start", 0),
    "end of semester 1": ("semester_2_start", 0),
    "end of year": ("academic_year_end", 0),
    "first weekly coordination meeting of the year": ("academic_year_start", 14),
}
# default delay after the steps a step waits for, by kind
KIND_DAYS = {"task": 7, "approval": 7, "decision": 7, "notification": 2, "data_entry": 3, "document": 7,
             "event_day": 7, "review_in_weekly_meeting": 7, "review_in_monthly_meeting": 30,
             "review_in_semester_meeting": 90}

# ------------------------------------------------------------------------------------------
# branches of decisions and approvals: (procedure, step) → [(key, label_en, label_fr, goto, ends)]
BRANCHES: dict[tuple[str, int], list[tuple[str, str, str, int | None, bool]]] = {
    ("P04", 5): [("appoint_new_lead", "Appoint a new programme lead", "Nommer un nouveau responsable", None, False),
                 ("renew_lead", "Renew last year's lead", "Reconduire le responsable", None, False)],
    ("P04", 11): [("preselected", "Candidates pre-selected: invite them (step 12)", "Candidats présélectionnés",
                   None, False),
                  ("none_preselected", "No candidate pre-selected: end", "Aucun candidat présélectionné",
                   None, True)],
    # the book leaves "exactly 10 positions" open: it goes with the profiles sent (step 7)
    ("P19", 6): [("up_to_10_positions", "Fewer than 10 positions: send the profiles to the company (step 7); "
                  "the procedure ends there", "Moins de 10 postes : envoi des profils", 7, False),
                 ("over_10_positions", "More than 10 positions: organise a recruitment day (step 8)",
                  "Plus de 10 postes : journée de recrutement", 8, False)],
    ("P20", 8): [("more_participants", "Additional participants needed (step 9)", "Participants supplémentaires",
                  9, False),
                 ("enough_participants", "No additional participants needed (step 10)",
                  "Pas de participants supplémentaires", 10, False)],
    # refused: the project is modified and submitted again (the book: loop until accepted)
    ("P14", 3): [("approve", "Validated by the host institution", "Validé par l'institution hôte", None, False),
                 ("refuse", "Not validated: modify the project and resubmit", "Non validé : modifier le projet",
                  2, False)],
    ("P30", 2): [("approve", "Accepted by the manager", "Accepté par le Manager", None, False),
                 ("refuse", "Not accepted: rework the content", "Non accepté : retravailler le contenu", 1, False)],
}
# approvals without branches in the book: approve, or refuse and go back to the step that
# produced what was refused (the previous one unless said here); "end": refusing ends the instance
REFUSE: dict[tuple[str, int], int | str] = {
    ("P04", 6): 3,  # the needs are assessed again (step 3)
    ("P08", 2): "end",  # a partner's workshop request declined: no workshop
    ("P10", 12): 10,  # the counselor drafted the communication content (step 10)
    ("P20", 12): "end",  # the company visit project is not validated: no visit
}
# steps that wait for other steps than the previous one (branch targets, all-of joins)
AFTER: dict[tuple[str, int], tuple[list[int], str]] = {
    # P19: step 7 ends the procedure (< 10 positions); step 8 follows the decision (> 10)
    ("P19", 8): ([6], "all"),
    # P20: step 10 follows the decision directly or after the extra campaign
    ("P20", 10): ([8, 9], "any"),
    # P10: "in parallel" (steps 2 and 10) run beside steps 1 and 9; the next steps join them
    ("P10", 2): ([], "all"),
    ("P10", 3): ([1, 2], "all"),
    ("P10", 10): ([8], "all"),
    ("P10", 11): ([9], "all"),
    ("P10", 12): ([10], "all"),
    ("P10", 13): ([11, 12], "all"),
    # P15 gate: speakers confirmed AND logistics planned AND communication clear
    ("P15", 10): ([4, 8, 9], "all"),
}


def _sentence(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return _trim(first, limit)


def _trim(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _actors(step: dict[str, Any], kind: str) -> tuple[list[Actor], str]:
    book = list(step.get("actors") or [])
    if not book:  # done by the product itself (MANAGEMENT_TOOL, REFERENCE_STANDARD_MODEL)
        return [Actor(role="system")], "any"
    out: list[Actor] = []
    parties: list[Actor] = []
    for name in book:
        mapping = catalog.ROLES[name]
        target = parties if mapping.party else out
        for a in catalog.step_actors(name, kind):
            if a not in target:
                target.append(a)
    roles = {a.role for a in out}
    for a in parties:  # an outside party's proxy, unless that staff role already acts in the step
        if a.role not in roles and a not in out:
            out.append(a)
    if "manager" in {a.role for a in out}:  # the manager is already there: no fall-back to them
        out = [a if a.fallback != "manager" else Actor(role=a.role, responsibility=a.responsibility)
               for a in out]
        dedup: list[Actor] = []
        for a in out:
            if a not in dedup:
                dedup.append(a)
        out = dedup
    mode = "any" if step.get("actor_mode") == "any_of" or len(out) == 1 else "all"
    return out, mode


def _due(code: str, step: dict[str, Any], kind: str, first: bool, trigger: str) -> dict[str, Any]:
    timing = step.get("timing") or ""
    days = KIND_DAYS[kind]
    if timing in TIMINGS:
        anchor, offset = TIMINGS[timing]
    elif kind == "event_day" and trigger == "event_created":
        anchor, offset = "event_start", 0
    else:
        anchor, offset = ("instance_start" if first else "previous_step"), days
    due: dict[str, Any] = {"anchor": anchor, "offset_days": offset}
    if timing:
        due["text_en"] = timing
    return due


def _branches(code: str, step: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    spec = BRANCHES.get((code, step["n"]))
    if spec is None and kind == "approval":
        back = REFUSE.get((code, step["n"]), step["n"] - 1 if step["n"] > 1 else "end")
        refuse = (("refuse", "Refuse: the procedure ends", "Refuser : fin de la procédure", None, True)
                  if back == "end" else
                  ("refuse", f"Refuse: back to step {back}", f"Refuser : retour à l'étape {back}", int(back), False))
        spec = [("approve", "Approve", "Valider", None, False), refuse]
    out = []
    for key, label_en, label_fr, goto, ends in spec or ():
        b: dict[str, Any] = {"key": key, "label_en": label_en, "label_fr": label_fr}
        if goto is not None:
            b["goto"] = goto
        if ends:
            b["ends"] = True
        out.append(b)
    return out


def _condition(step: dict[str, Any]) -> tuple[str, bool]:
    parts: list[str] = []
    optional = False
    cond = step.get("condition") or ""
    if cond:
        if "ventuellement" in cond or cond.startswith("optional"):
            optional = True
        parts.append(cond)
    if step.get("gate"):
        parts.append(step["gate"])
    if step.get("ends_process") and step.get("condition"):
        parts.append("the procedure ends after this step: skip the steps of the other outcome")
    if step.get("duplicate_of"):
        optional = True
        parts.append(f"duplicate of step {step['duplicate_of']} in the book: done there")
    return "; ".join(parts), optional


def _title(step: dict[str, Any]) -> str:
    title = step["action"]
    extras = [s["action"] for s in step.get("sub_actions") or () if s.get("required") is False]
    if extras:
        title = f"{title} Optional: {', '.join(extras)}."
    return _trim(title, 400)


def convert_step(code: str, step: dict[str, Any], first: bool, trigger: str) -> dict[str, Any]:
    kind = catalog.KINDS[step["kind"]]
    actors, mode = _actors(step, kind)
    out: dict[str, Any] = {
        "n": step["n"],
        "title_en": _title(step),
        "title_fr": _sentence(step.get("source_fr", "")),
        "kind": kind,
        "actors": [a.model_dump(exclude_none=True) for a in actors],
        "mode": mode,
    }
    if (code, step["n"]) in AFTER:
        after, join = AFTER[(code, step["n"])]
        out["after"] = after
        out["join"] = join
    meeting = step.get("meeting") or MEETING_KIND.get(kind)
    if meeting:
        out["meeting"] = catalog.MEETINGS.get(meeting, meeting)
    out["due"] = _due(code, step, kind, first or out.get("after") == [], trigger)
    condition, optional = _condition(step)
    if condition:
        out["condition"] = condition
    branches = _branches(code, step, kind) if kind in BRANCH_KINDS else []
    if branches:
        out["branches"] = branches
    docs = []
    for d in step.get("documents") or ():
        ref = {"ref": d["ref"], "use": d["use"], "name_en": d["name_en"], "record": catalog.RECORDS[d["ref"]].key}
        if ref not in docs:
            docs.append(ref)
    if docs:
        out["documents"] = docs
    notify: list[str] = []
    for name in step.get("notify") or ():
        mapping = catalog.ROLES.get(name)
        if mapping is None or mapping.party:
            continue
        roles = ["host_approver"] if name == "host_institution" else [a.role for a in mapping.actors]
        notify += [r for r in roles if r in NOTIFIABLE and r not in notify]
    if notify:
        out["notify"] = notify
    if optional:
        out["optional"] = True
    return out


def _p28(proc: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """P28 has two variants (self-assessment, external evaluation) over the same five steps.
    The manager holds each step (external evaluators work in the evaluation module and the
    manager records their part); the title is the self-assessment's and says what the external
    variant does instead."""
    book = {s["n"]: s for s in proc["steps"]}
    for step in steps:
        variants = book[step["n"]].get("variants") or {}
        ext = variants.get("external_evaluation")
        own = variants.get("self_assessment")
        if own and ext:
            step["title_en"] = _trim(f"{own['action']} (External evaluation: {ext['action']})", 400)
            step["mode"] = "any"


def convert(proc: dict[str, Any]) -> dict[str, Any]:
    code = proc["id"]
    trig = dict(TRIGGERS[code])
    trig["text_en"] = proc["trigger"].get("timing") or ""
    steps = [convert_step(code, s, i == 0, trig["type"]) for i, s in enumerate(proc["steps"])]
    if code == "P28":
        _p28(proc, steps)
    data = {
        "code": code,
        "version": 1,
        "title_en": proc["title_en"],
        "title_fr": proc["title_fr"],
        "family": proc["family"],
        "purpose_en": proc.get("purpose") or "",
        "trigger": trig,
        "steps": steps,
    }
    Procedure.model_validate(data)  # never write a definition that does not validate
    return data


HEADERS = {
    "P28": ("# P28 has two variants in the book: self-assessment and external evaluation. They share the\n"
            "# same five steps, encoded as the self-assessment path: each step's title says what the\n"
            "# external variant does instead, and its actors are both variants' (external evaluators act\n"
            "# in the evaluation module, issue 8; the manager holds their steps and records their part).\n"
            "# The variant is chosen when the instance is started (its label); no extra decision step is\n"
            "# added, so the steps keep the book's numbers.\n"),
    "P19": ("# Step 6 decides: fewer than 10 positions -> step 7 (profiles sent; the book ends the procedure\n"
            "# there, but a step cannot end an instance in this schema: step 8 carries the condition\n"
            "# 'positions > 10', so its holders skip it and the later steps, or the manager cancels the\n"
            "# instance); more than 10 -> step 8 (recruitment day; step 7 is skipped). Steps 13-14\n"
            "# (closed-door day) and 15 (open-door day) carry their condition: the holder skips the one\n"
            "# that does not apply. Steps 21-22 repeat 18 and 20 in the book: kept, optional.\n"),
}


def write(procs: list[dict[str, Any]], out_dir: Path = OUT) -> list[Path]:
    out_dir.mkdir(exist_ok=True)
    paths = []
    for proc in procs:
        data = convert(proc)
        path = out_dir / f"{data['code']}.yaml"
        head = (f"# {data['code']} — {data['title_en']} (version 1), converted from the procedure book by\n"
                "# workflows/procedures/tools/import_book.py. Edit the book or the converter, not this file.\n")
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
        path.write_text(head + HEADERS.get(data["code"], "") + text, encoding="utf-8")
        paths.append(path)
    return paths


def read_book(path: Path = BOOK) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["procedures"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    procs = read_book()
    if argv:
        procs = [p for p in procs if p["id"] in argv]
    for path in write(procs):
        print(path.relative_to(HERE.parent.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
