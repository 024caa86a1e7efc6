"""The Celery app. Start a worker with ``relmine worker`` (or
``celery -A relmine.workers.app worker -Q train,embed,mine``)."""

from __future__ import annotations

from celery import Celery

from relmine.config import Settings
from relmine.workers import waiting  # noqa: F401 - a worker process waits for Neo4j (its signals)
from relmine.workers.config import CeleryConfig


def make_app(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = Celery("relmine", include=["relmine.workers.tasks"])
    app.config_from_object(CeleryConfig.from_settings(settings).as_dict())
    return app


app = make_app()
