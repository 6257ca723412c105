"""Activity types of the procedure book (T02 'event type'), with what each one needs.

`host_validation`: the event sheet (M33) is validated by the manager then by the host
institution (BR-28, P13.11). `public`: published occurrences appear on the student portal.
`registration`: students can register (capacity, window). `meeting`: internal meetings of
the team, never on the portal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActivityType:
    code: str
    procedure: str
    meeting: bool = False
    public: bool = True
    registration: bool = False
    host_validation: bool = False
    # extra fields this type's form asks for (stored in Event.details)
    fields: tuple[str, ...] = ()


_TYPES = [
    # activities for students and partners
    ActivityType("individual_session", "P07", public=False, fields=("need", "next_action")),
    ActivityType("workshop", "P08", registration=True, fields=("objectives",)),
    ActivityType("debate_workshop", "P09", registration=True, host_validation=True,
                 fields=("objectives", "speakers")),
    ActivityType("hook_event", "P10", registration=True, host_validation=True, fields=("objectives",)),
    ActivityType("external_job_fair", "P11", registration=True, fields=("organiser_name", "stand")),
    ActivityType("job_fair", "P21", registration=True, host_validation=True,
                 fields=("committees", "expected_companies")),
    ActivityType("host_conference", "P15", registration=True, host_validation=True, fields=("speakers",)),
    ActivityType("guest_speaker", "P18", registration=True, fields=("speakers", "company")),
    ActivityType("recruitment_day", "P19", registration=True, fields=("company", "positions")),
    ActivityType("company_visit", "P20", registration=True, host_validation=True,
                 fields=("company", "transport")),
    ActivityType("faculty_activity", "P14", fields=("faculty",)),
    ActivityType("association_activity", "P16", registration=True, host_validation=True,
                 fields=("association",)),
    ActivityType("mobilisation_action", "P05", fields=("route", "ambassadors")),
    # internal meetings
    ActivityType("weekly_coordination_meeting", "P03", meeting=True, public=False),
    ActivityType("monthly_management_meeting", "P03", meeting=True, public=False),
    ActivityType("semester_meeting", "P25", meeting=True, public=False),
    ActivityType("annual_closing_meeting", "P01", meeting=True, public=False),
    ActivityType("host_focal_point_meeting", "P13", meeting=True, public=False),
    ActivityType("faculty_meeting", "P14", meeting=True, public=False),
    ActivityType("ambassador_meeting", "P04", meeting=True, public=False),
    ActivityType("performance_interview", "P27", meeting=True, public=False),
]

ACTIVITY_TYPES: dict[str, ActivityType] = {t.code: t for t in _TYPES}


def activity_type(code: str) -> ActivityType | None:
    return ACTIVITY_TYPES.get(code)
