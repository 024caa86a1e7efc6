"""relmine's own local Neo4j 5.26 + GDS 2.13 server, assembled from Maven Central."""

from relmine.server.launcher import LocalNeo4j, ServerStatus

__all__ = ["LocalNeo4j", "ServerStatus"]
