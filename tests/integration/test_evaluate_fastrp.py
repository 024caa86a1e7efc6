"""GDS FastRP + cosine on the real Neo4j: it separates communities, is deterministic, leaves nothing behind;
and ``relmine evaluate`` runs on the product graph in Neo4j with it."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from relmine.gateway import Statement
from relmine.gnn.edges import split_edges
from relmine.gnn.heuristics import cosine_scorer
from relmine.learn.fastrp import NAME, FastRPParams, FastRPScorers, fastrp_embeddings, leftover_projections
from tests.integration.learn_graph import load_small_graph

COUNTS = Statement("MATCH (n) WITH count(n) AS nodes "
                   "OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS relationships", "tests/count_all")
# everything but the (:Run) records: `relmine evaluate` records itself as a run of kind 'evaluate' and writes
# nothing else
DATA_COUNTS = Statement("MATCH (n) WHERE NOT n:Run WITH count(n) AS nodes "
                        "OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS relationships", "tests/count_data")
EVALUATE_RUNS = Statement("MATCH (r:Run {kind: 'evaluate'}) RETURN count(r) AS n", "tests/count_evaluate_runs")


def two_cliques(size: int = 8) -> torch.Tensor:
    """Two cliques of ``size`` nodes (0.., size..) joined by one bridge, both directions; node 2*size isolated."""
    pairs = [(a, b) for a, b in itertools.combinations(range(size), 2)]
    pairs += [(a + size, b + size) for a, b in pairs]
    pairs.append((0, size))
    ei = torch.tensor(pairs, dtype=torch.long).t()
    return torch.cat([ei, ei.flip(0)], dim=1)


def test_fastrp_scores_within_clique_pairs_above_cross_pairs(clean_graph):
    gw = clean_graph
    before = gw.read_one(COUNTS)
    size = 8
    emb = fastrp_embeddings(gw, two_cliques(size), 2 * size + 1, FastRPParams(embeddingDimension=64))
    assert emb.shape == (2 * size + 1, 64)
    assert np.allclose(emb[2 * size], 0.0), "the isolated node has no neighbours to embed"
    score = cosine_scorer(emb)
    within = [(a, b) for a, b in itertools.combinations(range(1, size), 2)]
    within += [(a + size, b + size) for a, b in within]
    cross = [(a, b + size) for a in range(1, size) for b in range(1, size)]
    s_within = score(torch.tensor(within).t())
    s_cross = score(torch.tensor(cross).t())
    assert s_within.min() > s_cross.max(), (s_within.min(), s_cross.max())
    # nothing written, no projection left
    assert gw.read_one(COUNTS) == before
    assert leftover_projections(gw) == []


def test_fastrp_is_deterministic_under_its_seed(clean_graph):
    ei = two_cliques(6)
    a = fastrp_embeddings(clean_graph, ei, 13, FastRPParams(embeddingDimension=32))
    b = fastrp_embeddings(clean_graph, ei, 13, FastRPParams(embeddingDimension=32))
    c = fastrp_embeddings(clean_graph, ei, 13, FastRPParams(embeddingDimension=32, randomSeed=7))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert leftover_projections(clean_graph) == []


def test_scorer_sees_only_the_training_edges(clean_graph):
    """The extra hook embeds split.graph: a pendant pair whose only edge is held out scores as strangers (0)."""
    from torch_geometric.data import Data

    pendant = torch.tensor([[13], [14]])
    data = Data(x=torch.ones(15, 2), edge_index=torch.cat([two_cliques(6), pendant, pendant.flip(0)], dim=1),
                num_nodes=15)
    for seed in range(100):
        split = split_edges(data, val_ratio=0.0, test_ratio=0.2, seed=seed)
        if (13, 14) in {tuple(p) for p in split.test_pos.t().tolist()}:
            break
    else:
        pytest.fail("no seed holds out the pendant edge")
    score = FastRPScorers(clean_graph, FastRPParams(embeddingDimension=32))(split, seed)[NAME]
    assert score(pendant)[0] == 0.0
    # and the scores are those of the training graph's embedding, nothing else
    emb = fastrp_embeddings(clean_graph, split.graph.edge_index, 15, FastRPParams(embeddingDimension=32))
    assert np.allclose(score(split.test_pos), cosine_scorer(emb)(split.test_pos))
    assert leftover_projections(clean_graph) == []


@pytest.fixture(scope="module")
def small_product_graph(clean_graph):
    return load_small_graph(clean_graph)


def test_evaluate_cli_on_the_product_graph_in_neo4j(small_product_graph, clean_graph, neo4j_settings, tmp_path):
    from relmine.cli.main import cli

    before = clean_graph.read_one(DATA_COUNTS)
    runs_before = clean_graph.read_one(EVALUATE_RUNS)["n"]
    args = ["evaluate", "--relation-type", "CO_PURCHASED", "--seeds", "0", "--epochs", "2", "--hidden", "8",
            "--device", "cpu", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args, obj={"settings": neo4j_settings}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{small_product_graph['products']} nodes" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith(NAME))
    auc = float(row[len(NAME):].split()[0])
    assert 0.5 < auc <= 1.0, row  # planted categories: FastRP beats chance on held-out edges
    report = json.loads((tmp_path / "evaluation.json").read_text())
    assert set(report["summary"]) == {"GAT (relmine)", NAME, "CN", "AA", "RA"}
    assert report["probe"] is None  # the product graph has no labels
    assert clean_graph.read_one(DATA_COUNTS) == before
    assert clean_graph.read_one(EVALUATE_RUNS)["n"] == runs_before + 1
    assert leftover_projections(clean_graph) == []
    # the attention layer is the one `relmine train` picks for the same types: GAT on one, GATv2 on two
    assert report["model"]["conv"] == "gat"
    two = CliRunner().invoke(cli, ["evaluate", "--relation-type", "CO_PURCHASED", "--relation-type", "CO_VIEWED",
                                   "--seeds", "0", "--epochs", "1", "--hidden", "8", "--device", "cpu",
                                   "--no-fastrp", "--out", str(tmp_path / "two")],
                             obj={"settings": neo4j_settings}, catch_exceptions=False)
    assert two.exit_code == 0, two.output
    assert json.loads((tmp_path / "two" / "evaluation.json").read_text())["model"]["conv"] == "gatv2"
