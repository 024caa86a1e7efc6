"""Issue 27: the write-back's grouped [:PREDICTED] rows and its writer over several sessions."""

import threading
import time

import numpy as np

from relmine.gateway import WriteSummary
from relmine.learn import writeback


def test_predicted_groups_hold_each_source_once_with_its_targets_in_order():
    skus = np.asarray(["a", "b", "c", "d"], dtype=object)
    rows = writeback.predicted_groups(skus, [0, 0, 2, 2, 2], [1, 3, 0, 1, 3], [0, 1, 0, 0, 1],
                                      np.asarray([0.9, 0.5, 0.8, 0.7, 0.1], dtype=np.float32), [1, 2, 1, 2, 3])
    assert rows == [{"src": "a", "dst": ["b", "d"], "type": [0, 1], "score": [float(np.float32(0.9)), 0.5],
                     "rank": [1, 2]},
                    {"src": "c", "dst": ["a", "b", "d"], "type": [0, 0, 1],
                     "score": [float(np.float32(0.8)), float(np.float32(0.7)), float(np.float32(0.1))],
                     "rank": [1, 2, 3]}]
    assert all(isinstance(v, int) for r in rows for v in r["rank"] + r["type"])
    assert writeback.predicted_groups(skus, np.zeros(0), np.zeros(0), [], [], []) == []


def test_a_pair_given_twice_is_written_once_with_its_last_values_as_the_merge_did():
    skus = np.asarray(["a", "b", "c"], dtype=object)
    rows = writeback.predicted_groups(skus, [0, 0, 0], [1, 2, 1], [0, 0, 1], [0.9, 0.8, 0.3], [1, 2, 3])
    assert rows == [{"src": "a", "dst": ["c", "b"], "type": [0, 1], "score": [0.8, 0.3], "rank": [2, 3]}]


def test_predicted_params_name_each_type_and_kind():
    params = writeback.predicted_params(["CO_PURCHASED", "CO_VIEWED"])
    assert params["types"] == ["CO_PURCHASED", "CO_VIEWED"] and len(params["kinds"]) == 2


def test_several_sessions_write_every_row_once_never_splitting_a_source():
    class Gateway:
        def __init__(self):
            self.calls, self.threads, self.lock = [], set(), threading.Lock()
            self.running = self.most = 0

        def write(self, statement, params):
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
                self.threads.add(threading.current_thread().name)
            time.sleep(0.01)
            with self.lock:
                self.running -= 1
                self.calls.append((statement, params))
            return WriteSummary(properties_set=2 * len(params["rows"]))

    gw = Gateway()
    groups = [{"src": f"s{i}", "dst": [f"d{j}" for j in range(7)]} for i in range(3000)]
    with writeback.Writer(gw, "run-1", sessions=3) as writer:
        writer.put_grouped("learn/create_predicted", groups, {"types": ["T"], "kinds": ["k"]})
        assert len(writer.futures) <= writer.ahead
    sources = [g["src"] for _, p in gw.calls for g in p["rows"]]
    assert sorted(sources) == sorted(g["src"] for g in groups)  # every source once, whole
    assert all(p["run_id"] == "run-1" and p["types"] == ["T"] for _, p in gw.calls)
    assert all(sum(len(g["dst"]) for g in p["rows"]) < writeback.WRITE_BATCH + 7 for _, p in gw.calls)
    assert writer.rows["learn/create_predicted"] == 3000 * 7
    assert gw.most > 1 and len(gw.threads) > 1  # the sessions wrote at the same time
    writer = writeback.Writer(gw, "run-1", sessions=3)
    with writer:
        writer.put("learn/set_embeddings", [{"sku": "x"}] * 12_000)
        writer.wait()
        assert not writer.futures
    assert writer.rows["learn/set_embeddings"] == 12_000


def test_attention_groups_hold_each_source_once_with_its_values_by_type_then_product():
    skus = np.asarray(["a", "b", "c"], dtype=object)
    rows, sizes = writeback.attention_groups(skus, [1, 0, 0, 0], [2, 1, 2, 1], ["CO_PURCHASED", "CO_PURCHASED",
                                                                              "CO_PURCHASED", "CO_VIEWED"],
                                             np.asarray([0.5, 0.25, 0.75, 0.125], dtype=np.float32))
    assert rows == [{"src": "a", "types": ["CO_PURCHASED", "CO_VIEWED"],
                     "attention": {"CO_PURCHASED": {"b": 0.25, "c": 0.75}, "CO_VIEWED": {"b": 0.125}}},
                    {"src": "b", "types": ["CO_PURCHASED"], "attention": {"CO_PURCHASED": {"c": 0.5}}}]
    assert sizes == [3, 1]
    assert writeback.attention_groups(skus, [], [], [], np.zeros(0)) == ([], [])
