"""Relation rules: frequent itemsets and association rules from the orders' baskets.

* :mod:`relmine.rules.mining` — frequent itemsets and association rules with numpy bitsets (equals mlxtend).
* :mod:`relmine.rules.association` — rules from the baskets in Neo4j, written back as ``(:Rule)``.

Clusters (:mod:`relmine.clusters`), recommendations (:mod:`relmine.recommend`), the report
(:mod:`relmine.report`) and the run records of rules and cluster jobs (:mod:`relmine.runs`) have rooms
of their own.
"""
