"""The Celery app (DESIGN §7): Redis in production, kombu's filesystem transport embedded.

`celery_app` is what `cc-network worker` / `beat` run and what any process that
enqueues outbox messages imports, so a commit publishes its deliveries at once.
Tasks live beside their domain (`integrations/tasks.py`, later `tenants/*/tasks.py`)
as `shared_task`s; `TASK_MODULES` lists them so worker and publishers agree.
"""

from __future__ import annotations

from pathlib import Path

from celery import Celery
from kombu import Queue

import integrations.broker  # noqa: F401  (filesystem:// writes each message whole, see there)
from integrations.settings import Settings, get_settings
from integrations.social import PROVIDERS
from integrations.tasks import RELAY_EVERY_SECONDS, enable_prompt_relay

TASK_MODULES = ["integrations.tasks", "tenants.portal.registrations.tasks",
                "tenants.portal.sessions.tasks", "workflows.procedures.tasks", "workflows.reporting.tasks",
                "workflows.assessment.tasks", "workflows.communications.delivery_tasks",
                "workflows.communications.tasks", "workflows.assessment.performance"]
# Per-provider queues (issue 7 §6): a slow SMTP server or social network never holds up the others.
QUEUES = ["celery", "mail", "social", *(f"social.{p}" for p in PROVIDERS)]


def broker_folders(settings: Settings) -> dict[str, Path]:
    base = settings.data_dir / "broker"
    return {"in": base / "out", "out": base / "out", "processed": base / "processed",
            "control": base / "control"}


def make_celery(settings: Settings | None = None) -> Celery:
    s = settings or get_settings()
    app = Celery("cc_network", set_as_current=True)
    conf: dict = {
        "broker_url": s.effective_broker_url,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        # A task is acknowledged after it ran: a worker killed mid-task leaves it for another.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": {
            "relay-outbox": {"task": "integrations.relay_outbox", "schedule": RELAY_EVERY_SECONDS},
            "expire-registration-offers": {"task": "tenants.portal.registrations.expire_offers",
                                           "schedule": 300.0},
            "session-reminders": {"task": "portal.sessions.send_reminders", "schedule": 300.0},
            "procedure-task-reminders": {"task": "workflows.procedures.send_task_reminders", "schedule": 3600.0},
            "procedures-calendar-triggers": {"task": "workflows.procedures.start_due_procedures",
                                             "schedule": 3600.0},
            "sweep-mailings": {"task": "workflows.communications.sweep_mailings", "schedule": 60.0},
            "publish-due-items": {"task": "workflows.communications.publish_due_items", "schedule": 60.0},
            "comm-item-reminders": {"task": "workflows.communications.send_item_reminders",
                                    "schedule": 3600.0},
            "weekly-report-reminders": {"task": "workflows.reporting.send_weekly_report_reminders",
                                        "schedule": 3600.0},
            "performance-forms": {"task": "workflows.assessment.send_performance_forms", "schedule": 3600.0},
        },
        # a worker consumes every queue unless told otherwise (`cc-network worker -Q mail`)
        "task_queues": [Queue(q) for q in QUEUES],
        "task_default_queue": "celery",
        "beat_schedule_filename": str(s.data_dir / "celerybeat-schedule"),
    }
    if s.effective_broker_url.startswith("filesystem://"):
        folders = broker_folders(s)
        for p in folders.values():
            p.mkdir(parents=True, exist_ok=True)
        # Publisher and worker share one folder: what one writes, the other reads.
        conf["broker_transport_options"] = {
            "data_folder_in": str(folders["in"]),
            "data_folder_out": str(folders["out"]),
            "data_folder_processed": str(folders["processed"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        }
    app.conf.update(conf)
    app.conf.imports = TASK_MODULES
    for name in TASK_MODULES:
        __import__(name)
    enable_prompt_relay(True)
    return app


celery_app = make_celery()
app = celery_app  # `celery -A cc_network.worker` finds it under either name
