"""Operator output: relmine's own lines by default, other libraries' warnings with ``-v``.

What every command printed on stderr before (issue 28): torch's ``torch.jit.script``
FutureWarning (a Python warning, raised while ``torch_geometric`` is imported) and kombu's
``No hostname was supplied`` (a log record: the filesystem broker has no host); with Neo4j
down, the driver's ``Transaction failed and will be retried`` records as well (issue 29).

At default verbosity, :func:`configure` drops Python warnings raised outside relmine (unless
``-W`` or ``PYTHONWARNINGS`` chose otherwise) and log records under ERROR from loggers outside
:data:`OWN`. ``relmine -v`` changes neither, and logs at INFO. The worker (``relmine worker``)
goes through the same entry point; Celery's lines are the worker's own, so they stay.
"""

from __future__ import annotations

import logging
import sys
import warnings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OWN = ("relmine", "celery")  # top-level logger names whose records are shown at every level


class OwnLinesOnly(logging.Filter):
    """Pass relmine's and Celery's records, and anyone's errors; drop other libraries' warnings and info."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or record.name.partition(".")[0] in OWN


def configure(verbose: bool) -> None:
    """Logging and warnings of a ``relmine`` process (the CLI and the worker alike)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    if not verbose:
        handler.addFilter(OwnLinesOnly())
        if not sys.warnoptions:
            warnings.filterwarnings("ignore")
            warnings.filterwarnings("default", module=r"relmine(\.|$)")
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
