"""`relmine worker` warns when a solo pool would consume the train queue (unit: the worker is not started)."""

from click.testing import CliRunner

from cli.admin import worker


def test_solo_pool_on_the_train_queue_warns_and_prefork_does_not(monkeypatch):
    from relmine.workers.app import app

    started = []
    monkeypatch.setattr(app, "worker_main", lambda argv: started.append(argv))
    runner = CliRunner()
    solo = runner.invoke(worker, ["-Q", "train,embed", "--pool", "solo"])
    assert solo.exit_code == 0 and "no broker heartbeats" in solo.output
    prefork = runner.invoke(worker, ["-Q", "train,embed"])
    assert prefork.exit_code == 0 and "heartbeats" not in prefork.output
    embed_solo = runner.invoke(worker, ["-Q", "embed", "--pool", "solo"])
    assert "heartbeats" not in embed_solo.output
    assert [a[a.index("--pool") + 1] for a in started] == ["solo", "prefork", "solo"]
