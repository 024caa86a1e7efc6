import os
import stat

import pytest

from relmine.config import Settings, read_secret_file, redact_text, redact_url
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


# -- issue 10, item 4: credentials in URIs and which .env is read -------------------------------

@pytest.mark.parametrize("url, shown", [
    ("bolt://neo4j:SECRET@db:7687", "bolt://neo4j:***@db:7687"),
    ("neo4j+s://u:p%40ss@host.example/x?y=1", "neo4j+s://u:***@host.example/x?y=1"),
    ("amqp://guest:a@b@mq:5672//", "amqp://guest:***@mq:5672//"),
    ("bolt://neo4j@db:7687", "bolt://neo4j@db:7687"),
    ("bolt://db:7687", "bolt://db:7687"),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_redact_text_takes_passwords_out_of_messages():
    msg = ("URI userinfo is not supported. Given URI: 'bolt://neo4j:SECRET@127.0.0.1:1'.\n"
           "also amqp://guest:topsecret@mq// and bolt://plain:7687 and mail me@host")
    out = redact_text(msg)
    assert "SECRET" not in out and "topsecret" not in out
    assert "bolt://neo4j:***@127.0.0.1:1" in out and "amqp://guest:***@mq//" in out
    assert "bolt://plain:7687" in out and "me@host" in out


def test_settings_repr_and_redacted_hide_uri_userinfo():
    s = Settings.from_env({"NEO4J_URI": "neo4j://neo4j:hunter2@db:7687"})
    assert "hunter2" not in repr(s) and "hunter2" not in repr(s.redacted())
    assert s.redacted()["NEO4J_URI"] == "neo4j://neo4j:***@db:7687"


def test_gateway_error_for_userinfo_uri_has_no_secret():
    from relmine.errors import GraphUnavailable
    from relmine.gateway import Gateway

    s = Settings.from_env({"NEO4J_URI": "bolt://neo4j:SECRET@127.0.0.1:1", "NEO4J_PASSWORD": "x"})
    with pytest.raises(GraphUnavailable) as info:
        Gateway(s)
    text = str(info.value) + repr(info.value.__cause__) + repr(info.value.__context__ if not
                                                               info.value.__suppress_context__ else None)
    assert "SECRET" not in text and "***" in str(info.value) and "NEO4J_PASSWORD" in str(info.value)


def test_doctor_never_prints_the_uri_password(tmp_path):
    from relmine.doctor import run_checks

    s = Settings.from_env({"NEO4J_URI": "bolt://neo4j:SECRET@127.0.0.1:1", "NEO4J_PASSWORD": "x",
                           "RELMINE_HOME": str(tmp_path)})
    checks = run_checks(s)
    neo = next(c for c in checks if c.name == "neo4j")
    assert not neo.ok and "***" in neo.detail
    assert all("SECRET" not in c.detail + c.fix for c in checks)


def test_dotenv_in_the_working_directory_is_not_read(tmp_path, monkeypatch, capsys):
    import relmine.config as config

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEO4J_URI=bolt://evil.example:7687\n")
    env = {"RELMINE_HOME": str(tmp_path / "home")}
    assert tmp_path / ".env" not in config.dotenv_candidates(env)
    config._load_dotenv(env)
    assert "NEO4J_URI" not in env
    assert capsys.readouterr().err == ""


def test_dotenv_in_relmine_home_is_read_and_a_uri_from_it_is_announced_once(tmp_path, monkeypatch, capsys):
    import relmine.config as config

    monkeypatch.setattr(config, "_warned_env_uri", False)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".env").write_text("NEO4J_URI=bolt://neo4j:pw@other.example:7687\nNEO4J_DATABASE=db2\n")
    env = {"RELMINE_HOME": str(home)}
    assert config._load_dotenv(env) == home / ".env"
    assert env["NEO4J_URI"] == "bolt://neo4j:pw@other.example:7687" and env["NEO4J_DATABASE"] == "db2"
    err = capsys.readouterr().err
    assert "NEO4J_URI=bolt://neo4j:***@other.example:7687" in err and str(home / ".env") in err
    assert ":pw@" not in err
    config._load_dotenv({"RELMINE_HOME": str(home)})
    assert capsys.readouterr().err == ""  # once per process


def test_dotenv_never_overrides_the_environment(tmp_path, capsys):
    import relmine.config as config

    f = tmp_path / "my.env"
    f.write_text("NEO4J_URI=bolt://evil.example:7687\n")
    env = {"RELMINE_ENV_FILE": str(f), "NEO4J_URI": "bolt://127.0.0.1:7687"}
    assert config.dotenv_candidates(env) == [f]
    config._load_dotenv(env)
    assert env["NEO4J_URI"] == "bolt://127.0.0.1:7687"
    assert "evil" not in capsys.readouterr().err
