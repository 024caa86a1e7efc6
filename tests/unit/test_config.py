import os
import stat

import pytest

from relmine.config import Settings, read_secret_file, redact_url
from relmine.errors import ConfigError


def test_defaults_point_at_local_server(tmp_path):
    s = Settings.from_env({"RELMINE_HOME": str(tmp_path)})
    assert s.neo4j_uri == "bolt://127.0.0.1:7687"
    assert s.neo4j_password_file == tmp_path / "neo4j" / "password"
    assert s.broker_url is None and s.effective_broker_url == "filesystem://"


def test_env_overrides(tmp_path):
    s = Settings.from_env({"NEO4J_URI": "neo4j://db:7687", "NEO4J_USER": "u", "NEO4J_PASSWORD": "pw",
                           "RELMINE_BROKER_URL": "amqp://a:b@mq//", "RELMINE_BOLT_PORT": "7700"})
    assert (s.neo4j_uri, s.neo4j_user, s.neo4j_password, s.bolt_port) == ("neo4j://db:7687", "u", "pw", 7700)
    assert s.broker_url == "amqp://a:b@mq//"


def test_password_file_must_be_private(tmp_path):
    f = tmp_path / "pw"
    f.write_text("secret\n")
    os.chmod(f, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_secret_file(f)
    os.chmod(f, 0o600)
    assert read_secret_file(f) == "secret"
    s = Settings.from_env({"NEO4J_PASSWORD_FILE": str(f)})
    assert s.neo4j_password == "secret"


def test_missing_password_is_a_clear_error(tmp_path):
    s = Settings.from_env({"RELMINE_HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD"):
        _ = s.neo4j_password


def test_redacted_never_shows_secrets(tmp_path):
    s = Settings.from_env({"NEO4J_PASSWORD": "hunter2", "RELMINE_BROKER_URL": "amqp://guest:topsecret@h:5672//"})
    shown = repr(s.redacted()) + repr(s)
    assert "hunter2" not in shown and "topsecret" not in shown
    assert redact_url("amqp://guest:topsecret@h//") == "amqp://guest:***@h//"


def test_bad_integer_names_the_variable():
    with pytest.raises(ConfigError, match="RELMINE_BOLT_PORT"):
        Settings.from_env({"RELMINE_BOLT_PORT": "seven"})
