"""Registry of the top-level commands (each lives in its own module)."""

from relmine.cli.admin import doctor, init, ping, worker

ALL = [init, doctor, worker, ping]
