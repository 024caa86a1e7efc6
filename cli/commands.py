"""Registry of the top-level commands (each lives in its own module)."""

from relmine.cli.admin import doctor, init, migrate, ping, worker
from relmine.cli.evaluate_cmd import evaluate
from relmine.cli.ingest_cmd import generate, ingest, stats
from relmine.cli.motifs_cmd import match, motifs, similar_structure, triangles, wl_hash
from relmine.cli.learn_cmd import neighbours, predicted, refresh, run_cancel, run_status, train
from relmine.cli.rules_cmd import clusters, recommend, report, rules

ALL = [init, migrate, doctor, worker, ping, ingest, generate, stats, train, refresh, run_status, run_cancel, neighbours, predicted, evaluate, rules, clusters, recommend, report,
       match, motifs, triangles, wl_hash, similar_structure]
