"""Relation rules, product clusters, explained recommendations and the report.

* :mod:`relmine.rules.mining` — frequent itemsets and association rules with numpy bitsets (equals mlxtend).
* :mod:`relmine.rules.association` — rules from the baskets in Neo4j, written back as ``(:Rule)``.
* :mod:`relmine.rules.clusters` — GDS Louvain/Leiden and k-means clusters with TF-IDF labels, NMI/ARI.
* :mod:`relmine.rules.recommend` — recommendations blending observed, rule, predicted and embedding evidence.
* :mod:`relmine.rules.report` — an HTML report with PNG plots.
"""
