"""Subgraph isomorphism on the product graph: patterns, a motif library, WL neighbourhood hashes.

* :mod:`~relmine.motifs.pattern` / :mod:`~relmine.motifs.ascii`: the pattern
  language (a dict spec or a Cypher-like ASCII form) parsed into a validated
  :class:`Pattern`;
* :mod:`~relmine.motifs.compiler`: one parameterised Cypher statement per
  pattern, node-injective (subgraph monomorphism), optionally induced, with
  symmetry breaking from the pattern's automorphisms (:mod:`~relmine.motifs.symmetry`);
* :mod:`~relmine.motifs.matching`: run it (time limit, row limit);
* :mod:`~relmine.motifs.library`: the motif library of ``cypher/motifs/`` and
  its write-back for BI;
* :mod:`~relmine.motifs.wl`: Weisfeiler-Lehman hashes of k-hop neighbourhoods (whole-graph colour
  refinement; per ego network with ``--ego``);
* :mod:`~relmine.motifs.triangles`: fast triangle counts (edge list + sparse
  algebra, or GDS).

docs/patterns.md describes the language and its semantics.
"""

from relmine.motifs.ascii import format_ascii, parse_ascii, parse_pattern
from relmine.motifs.compiler import CompiledPattern, compile_pattern
from relmine.motifs.matching import MatchCount, count_embeddings, count_matches, find_matches
from relmine.motifs.pattern import EdgeSpec, NodeSpec, Pattern, Predicate, pattern_from_spec, pattern_to_spec
from relmine.motifs.symmetry import automorphisms, symmetry_conditions

__all__ = [
    "CompiledPattern", "EdgeSpec", "MatchCount", "NodeSpec", "Pattern", "Predicate",
    "automorphisms", "compile_pattern", "count_embeddings", "count_matches", "find_matches",
    "format_ascii", "parse_ascii", "parse_pattern", "pattern_from_spec", "pattern_to_spec",
    "symmetry_conditions",
]
