"""Registry of the top-level commands (each lives in its own module)."""

from relmine.cli.admin import doctor, init, ping, worker
from relmine.cli.rules_cmd import clusters, recommend, report, rules

ALL = [init, doctor, worker, ping, rules, clusters, recommend, report]
