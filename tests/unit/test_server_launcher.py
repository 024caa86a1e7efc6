"""The local server's launcher without a server: memory flags and caps, the JVM's environment,
private modes, the conf it writes (issue 10, items 2 and 4)."""

from __future__ import annotations

import os
import stat

import pytest

from relmine.config import Settings
from relmine.errors import ConfigError
from relmine.server.launcher import MiB, LocalNeo4j, jvm_environment, memory_limits, parse_memory, secure_tree


@pytest.mark.parametrize("value, size", [("1g", 1024 * MiB), ("512m", 512 * MiB), ("2048M", 2048 * MiB),
                                         ("4G", 4096 * MiB), ("1gb", 1024 * MiB), ("700000k", 700000 * 1024)])
def test_parse_memory(value, size):
    assert parse_memory(value, "RELMINE_NEO4J_HEAP") == size


@pytest.mark.parametrize("value", ["", "lots", "1.5g", "-1g", "1g\nserver.bolt.enabled=false", "1 g x"])
def test_bad_memory_names_the_variable(value):
    with pytest.raises(ConfigError, match="RELMINE_NEO4J_PAGECACHE"):
        parse_memory(value, "RELMINE_NEO4J_PAGECACHE")


def test_limits_are_sized_from_the_heap():
    lim = memory_limits(Settings(neo4j_heap="1g", neo4j_pagecache="512m"))
    assert (lim.heap, lim.pagecache) == (1024 * MiB, 512 * MiB)
    assert lim.tx_one == 512 * MiB and lim.tx_total == 716 * MiB
    assert lim.jvm_flags() == ["-Xms1024m", "-Xmx1024m"]
    assert "db.memory.transaction.max=512m" in lim.conf_lines()
    assert "db.memory.transaction.total.max=716m" in lim.conf_lines()
    assert "server.memory.pagecache.size=512m" in lim.conf_lines()


def test_tiny_heap_is_refused():
    with pytest.raises(ConfigError, match="RELMINE_NEO4J_HEAP"):
        memory_limits(Settings(neo4j_heap="64m"))


def test_conf_has_the_limits_and_is_private(tmp_path):
    server = LocalNeo4j(Settings(home=tmp_path, neo4j_heap="768m", neo4j_pagecache="64m"))
    conf = server.write_conf()
    text = conf.read_text()
    assert "server.memory.heap.max_size=768m" in text and "db.memory.transaction.max=384m" in text
    assert "db.memory.transaction.total.max=0" not in text
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    for d in (server.home, server.conf_dir, server.data_dir, server.logs_dir, server.run_dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d


def test_jvm_environment_is_a_whitelist():
    env = jvm_environment({"PATH": "/bin", "HOME": "/root", "LC_ALL": "C.UTF-8", "NEO4J_PASSWORD": "s",
                           "RELMINE_BROKER_URL": "amqp://u:s@h//", "AWS_SECRET_ACCESS_KEY": "k",
                           "NEO4J_URI": "bolt://u:s@h", "GITHUB_TOKEN": "t"}, NEO4J_HOME="/h")
    assert env == {"PATH": "/bin", "HOME": "/root", "LC_ALL": "C.UTF-8", "NEO4J_HOME": "/h"}


def test_secure_tree_fixes_an_existing_home(tmp_path):
    root = tmp_path / "neo4j"
    (root / "data" / "databases").mkdir(parents=True)
    f = root / "data" / "databases" / "store"
    f.write_text("x")
    os.chmod(f, 0o644)
    os.chmod(root / "data", 0o755)
    outside = tmp_path / "outside"
    outside.write_text("y")
    os.chmod(outside, 0o644)
    (root / "link").symlink_to(outside)
    assert secure_tree(root) >= 3
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # links are not followed
    assert secure_tree(root) == 0
