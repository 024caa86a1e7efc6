"""The figures an evaluate run records: the GAT under the name a training run gives it (``model``), every other
method in lower case, flat and typed through the run model's one rule."""

from relmine.gnn.evaluate import MODEL
from relmine.learn.evaluation import EvaluationRun, evaluation_run, method_key, rescored_metrics
from relmine.runs import flat_metrics


def test_method_names_match_a_training_runs():
    assert [method_key(m) for m in (MODEL, "RA", "FastRP + cosine")] == ["model", "ra", "fastrp + cosine"]
    flat = flat_metrics({method_key("FastRP + cosine"): {"hits@50": 0.5}})
    assert flat == {"metric_fastrp_cosine_hits@50": 0.5}


def test_a_rescored_run_records_each_methods_figures_and_whether_the_graph_is_the_same():
    result = {"run": "train-x", "same_graph": False, "graph": {"products": 10, "relations_kept": 40},
              "test": {"model": {"auc": 0.9, "hits@50": 0.75}, "ra": {"auc": 0.8, "hits@50": 0.5}}}
    flat = flat_metrics(rescored_metrics(result))
    assert flat == {"metric_model_auc": 0.9, "metric_model_hits@50": 0.75, "metric_ra_auc": 0.8,
                    "metric_ra_hits@50": 0.5, "metric_same_graph": False, "metric_products": 10,
                    "metric_relations_kept": 40}


def test_without_a_gateway_nothing_is_recorded():
    with evaluation_run(None, {"mode": "split"}) as run:
        run.record({"model": {"auc": 0.5}})
    assert isinstance(run, EvaluationRun) and run.run_id is None and run.recorded
