"""docker-compose.yml cannot run here (no Docker engine): check it agrees with relmine's configuration."""

from pathlib import Path

import yaml

from relmine.config import ENV_VARS, Settings
from relmine.workers.config import QUEUES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_ports():
    services = COMPOSE["services"]
    assert set(services) == {"neo4j", "rabbitmq", "worker", "embed-worker"}
    assert services["neo4j"]["image"].startswith("neo4j:5.26")
    assert "graph-data-science" in services["neo4j"]["environment"]["NEO4J_PLUGINS"]
    neo_ports = {p.rsplit(":", 1)[-1] for p in services["neo4j"]["ports"]}
    defaults = Settings.from_env({})
    assert {str(defaults.bolt_port), str(defaults.http_port)} <= neo_ports
    assert "5672" in {p.rsplit(":", 1)[-1] for p in services["rabbitmq"]["ports"]}
    for name in services:
        assert "healthcheck" in services[name], f"{name} has no health check"


def test_embed_worker_has_its_own_volume_and_queue():
    worker, embed = COMPOSE["services"]["worker"], COMPOSE["services"]["embed-worker"]
    assert embed["command"][embed["command"].index("-Q") + 1] == "embed"
    assert "embed" not in worker["command"][worker["command"].index("-Q") + 1].split(",")
    assert set(embed["volumes"]).isdisjoint(worker["volumes"])
    assert embed["environment"] == worker["environment"]


def test_worker_env_is_relmine_config():
    worker = COMPOSE["services"]["worker"]
    env = worker["environment"]
    assert set(env) <= set(ENV_VARS), set(env) - set(ENV_VARS)
    assert env["NEO4J_URI"].endswith("neo4j:7687") and env["RELMINE_BROKER_URL"].startswith("amqp://")
    s = Settings.from_env({k: str(v).replace("${NEO4J_PASSWORD:?set NEO4J_PASSWORD}", "x") for k, v in env.items()})
    assert s.neo4j_uri == "bolt://neo4j:7687"
    def queues(service):
        return set(service["command"][service["command"].index("-Q") + 1].split(","))

    embed = COMPOSE["services"]["embed-worker"]
    assert queues(worker) | queues(embed) == set(QUEUES)  # every queue has a consumer
    gpu = worker["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"]


def test_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()
    missing = [v for v in ENV_VARS if v not in readme]
    assert missing == []


def test_worker_health_checks_use_the_control_channel():
    """A worker busy training still answers Celery's control ping; a task round trip would not."""
    for name in ("worker", "embed-worker"):
        check = " ".join(COMPOSE["services"][name]["healthcheck"]["test"])
        assert "inspect ping -d celery@$$(hostname)" in check, (name, check)  # $$: compose's literal $
