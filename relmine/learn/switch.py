"""A training run becomes current in one step for readers, however many products it has.

Readers follow the one ``(:Run {kind: 'train', current: true})``: its ``[:PREDICTED {run}]``, and its
vectors, which are in ``p[cur.embedding_property]`` with ``p[cur.embedding_property + '_run'] =
cur.id`` and searched through the vector index ``'product_' + cur.embedding_property``. The property
is ``embedding`` (index ``product_embedding``), except for the seconds in which a newly switched run's
vectors are copied there: then readers take them where the write-back staged them, in
``embedding_next`` (index ``product_embedding_next``), complete from the first moment. A reader that
resolves the current run once and reads everything of that run never combines two runs: the
``[:PREDICTED]`` of one run with the vectors of another, or two runs' vectors in one vector search
(issue 29; ``tests/readload.py`` checks it under load).

The steps (:func:`switch_to`), each idempotent, so a redelivered task repeats what is left:

1. ``staged index``: ``product_embedding_next`` over ``p.embedding_next``, with the run's dimensions
   (every vector of the run is staged there once its partitions are written);
2. ``switch``: one small transaction makes the run current, with ``embedding_property:
   'embedding_next'``; readers move to the new run's predictions and vectors together;
3. ``serving index``: ``product_embedding`` with the run's dimensions (re-created when they differ:
   no reader of the current run uses it now);
4. ``copy embeddings``: ``p.embedding = p.embedding_next`` (and ``embedding_run``), in batches of
   10,000 products (one transaction for a whole 56k-product run went over Neo4j's transaction memory
   limit); the staged values stay, so ``product_embedding_next`` stays complete meanwhile;
5. ``serve``: once ``product_embedding`` is online, one transaction sets ``embedding_property:
   'embedding'``;
6. ``move attention``: ``r.attention_next`` into ``r.attention`` in batches (readers take the value
   whose ``_run`` is the current run's, staged or moved);
7. ``clear staged``: ``p.embedding_next`` removed in batches.

The older runs' ``[:PREDICTED]`` are deleted after (:func:`relmine.learn.pipeline.finalize_if_complete`).
"""

from __future__ import annotations

from typing import Callable

from relmine.gateway import Gateway

SERVING, STAGED = "embedding", "embedding_next"
_INDEX_STATEMENTS = {SERVING: ("learn/create_embedding_index", "learn/drop_embedding_index"),
                     STAGED: ("learn/create_staged_embedding_index", "learn/drop_staged_embedding_index")}
STEPS = ("staged index", "switch", "serving index", "copy embeddings", "serve", "move attention", "clear staged")


def index_name(prop: str) -> str:
    """The vector index over ``p[prop]``: ``product_embedding`` or ``product_embedding_next``."""
    return f"product_{prop}"


def current_run(gw: Gateway) -> dict | None:
    """``{"run", "property"}`` of the current training run (``property``: where its vectors are now), or None."""
    return gw.read_one("learn/current_run")


def ensure_index(gw: Gateway, prop: str, dimensions: int) -> None:
    """The vector index over ``p[prop]`` with ``dimensions`` and unquantized vectors, online (re-created if either
    differs: an index of another run's size ignores every vector)."""
    create, drop = _INDEX_STATEMENTS[prop]
    row = gw.read_one("learn/vector_index_config", {"name": index_name(prop)})
    if row is not None and (row["dimensions"] != dimensions or row["quantized"]):
        gw.write(drop)
    gw.write(create, {"dimensions": dimensions})
    gw.write("admin/await_indexes")


def switch_to(gw: Gateway, run_id: str, dimensions: int,
              on_step: Callable[[str], None] | None = None) -> bool:
    """Make ``run_id`` (every partition written) the current run: the steps of the module's docstring.
    ``on_step(name)`` is called after each (tests read between them). False, with nothing switched,
    when the run was cancelled or failed before the switch's transaction (``runs/end_run`` and the
    switch take the run's lock, so one of them wins whole)."""
    def done(step: str) -> None:
        if on_step is not None:
            on_step(step)

    ensure_index(gw, STAGED, dimensions)
    done("staged index")
    if not gw.write("runs/switch_current_train", {"run_id": run_id, "property": STAGED}).records:
        return False
    done("switch")
    ensure_index(gw, SERVING, dimensions)
    done("serving index")
    gw.write_autocommit("runs/copy_staged_embeddings", {"run_id": run_id})
    done("copy embeddings")
    gw.write("admin/await_indexes")
    gw.write("runs/serve_embeddings", {"run_id": run_id, "property": SERVING})
    done("serve")
    gw.write_autocommit("runs/move_staged_attention", {"run_id": run_id})
    done("move attention")
    gw.write_autocommit("runs/clear_staged_embeddings", {"run_id": run_id})
    done("clear staged")
    return True
