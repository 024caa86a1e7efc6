"""The specs that ``relmine rules``, ``relmine clusters`` and ``relmine train`` build from their options (named as the spec's
fields): the options' defaults are the spec's, and a given value lands in its field."""

from relmine.cli.rules_cmd import cluster_spec, clusters, rules, rules_spec
from relmine.clusters import ClusterSpec
from relmine.rules.association import RulesSpec

COMMAND_ONLY = ("no_write", "top", "queued", "wait", "timeout")


def _spec(command, build, args):
    params = command.make_context(command.name, args).params
    return build(params["no_write"], **{k: v for k, v in params.items() if k not in COMMAND_ONLY})


def test_rules_options_build_the_rules_spec():
    assert _spec(rules, rules_spec, []) == RulesSpec()
    assert _spec(rules, rules_spec, ["--min-lift", "2", "--level", "category", "--run", "r-1", "--no-write"]) == \
        RulesSpec(min_lift=2.0, levels=("category",), run_id="r-1", write=False)


def test_clusters_options_build_the_cluster_spec():
    assert _spec(clusters, cluster_spec, []) == ClusterSpec()
    given = _spec(clusters, cluster_spec, ["--method", "fastrp", "-k", "7", "--concurrency", "1", "--attribute",
                                           "brand", "--attribute-weight", "5", "--features", "f", "--no-write"])
    assert given == ClusterSpec(method="fastrp", k=7, concurrency=1, attributes=("brand",), attribute_weight=5.0,
                                features="f", write=False)


def test_train_options_build_the_train_spec():
    from relmine.cli.learn_cmd import train, train_spec
    from relmine.learn.spec import TrainSpec

    def spec(args):
        params = train.make_context(train.name, args).params
        return train_spec(**{k: v for k, v in params.items() if k not in ("run_id", "resume", "wait", "timeout")})

    assert spec([]) == TrainSpec()
    assert spec(["--epochs", "3", "--relation-type", "CO_PURCHASED", "--min-count", "1", "--conv", "gat",
                 "--holdout", "time", "--contrast-weight", "0.5", "--seed", "7"]) == \
        TrainSpec(epochs=3, relation_types=("CO_PURCHASED",), min_count=1.0, conv="gat", holdout="time",
                  contrast_weight=0.5, seed=7)


def test_a_mine_task_queued_before_the_run_id_had_one_name_still_builds_its_spec():
    from dataclasses import asdict

    from workers.tasks import queued_spec

    now = asdict(RulesSpec(run_id="rules-20261208-000000-abcdef"))
    before = {("run" if key == "run_id" else key): v for key, v in now.items()}
    assert "run_id" not in before
    assert queued_spec(before) == now and RulesSpec(**queued_spec(before)).run_id == now["run_id"]
    assert queued_spec(now) == now  # a spec of today's CLI passes as it is
