"""The one Celery configuration object, built from relmine's settings.

Broker: RabbitMQ over AMQP when ``RELMINE_BROKER_URL`` is set; otherwise
kombu's filesystem transport under ``$RELMINE_HOME/broker`` (one machine, no
broker server).

Result backend: Celery's file-system backend under ``$RELMINE_HOME/results``
(override with ``RELMINE_RESULT_BACKEND``). It works the same with both
brokers and needs no server: ``rpc://`` only works over AMQP, and a database
or Redis backend would be one more service. Task results are small
acknowledgements; the durable record of every job is its ``(:Run)`` node in
Neo4j, which every worker and client already shares. Deployments whose
workers run on other hosts set ``RELMINE_RESULT_BACKEND=rpc://`` (AMQP) or
share the results folder (docker-compose mounts one volume).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kombu import Exchange, Queue

from relmine.config import Settings

QUEUES = ("train", "embed", "mine")
# RabbitMQ closes a channel whose delivery stays unacknowledged longer than
# consumer_timeout (30 min by default). Tasks are acked late (after they
# finish), so relmine's RabbitMQ config raises it (see scripts/rabbitmq.conf and
# docs/operations.md); this is the value relmine asks for.
CONSUMER_TIMEOUT_MS = 24 * 3600 * 1000


@dataclass
class CeleryConfig:
    broker_url: str
    result_backend: str
    broker_transport_options: dict
    task_queues: tuple
    task_default_queue: str = "mine"
    task_acks_late: bool = True
    task_reject_on_worker_lost: bool = True
    worker_prefetch_multiplier: int = 1
    task_serializer: str = "json"
    result_serializer: str = "json"
    accept_content: tuple = ("json",)
    task_track_started: bool = True
    result_extended: bool = True
    result_expires: int = 7 * 24 * 3600
    broker_connection_retry_on_startup: bool = True
    worker_hijack_root_logger: bool = False
    worker_send_task_events: bool = True
    task_send_sent_event: bool = True
    task_time_limit: int | None = None
    enable_utc: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> "CeleryConfig":
        results = Path(os.environ.get("RELMINE_RESULTS_DIR", settings.home / "results"))
        backend = os.environ.get("RELMINE_RESULT_BACKEND") or f"file://{results}"
        if backend.startswith("file://"):
            Path(backend[len("file://"):]).mkdir(parents=True, exist_ok=True)
        if settings.broker_url:
            broker, options = settings.broker_url, {"confirm_publish": True}
        else:
            folder = settings.broker_dir
            for sub in ("queue", "processed", "control"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            broker = "filesystem://"
            options = {
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                # broadcast (pidbox) files: under the broker folder, not the working directory
                "control_folder": str(folder / "control"),
                "store_processed": False,
            }
        exchange = Exchange("relmine", type="direct")
        queues = tuple(Queue(name, exchange, routing_key=name, durable=True) for name in QUEUES)
        return cls(broker_url=broker, result_backend=backend, broker_transport_options=options,
                   task_queues=queues)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}
