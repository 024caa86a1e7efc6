"""Registry of the top-level commands (each lives in its own module)."""

from relmine.cli.admin import doctor, init, ping, worker
from relmine.cli.learn_cmd import neighbours, predicted, run_status, train
from relmine.cli.rules_cmd import clusters, recommend, report, rules

ALL = [init, doctor, worker, ping, train, run_status, neighbours, predicted, rules, clusters, recommend, report]
