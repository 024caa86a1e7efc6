"""The few domain errors relmine raises; each is raised ``from`` the cause."""


class RelmineError(Exception):
    """Base class: a problem the user can act on, with a clear sentence."""


class ConfigError(RelmineError):
    """Settings are missing or malformed."""


class GraphUnavailable(RelmineError):
    """Neo4j cannot be reached or refused the credentials."""


class QueryError(RelmineError):
    """Neo4j rejected a statement (syntax, constraint, type)."""


class NotFound(RelmineError):
    """A product, run or other entity named by the user does not exist."""


class InputError(RelmineError):
    """An input file or argument is malformed."""


class UnsafeFile(InputError, ValueError):
    """A saved file or stored bytes hold more than tensors and plain values: refused, never unpickled (a
    ``ValueError`` too, as the rest of :mod:`relmine.gnn` raises for bad input)."""


class BrokerUnavailable(RelmineError):
    """The message broker refused or dropped connections for longer than relmine waits."""
