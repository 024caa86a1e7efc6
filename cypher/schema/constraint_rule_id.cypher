// Unique association rule id (run + antecedent + consequent).
// :params {}
CREATE CONSTRAINT rule_id IF NOT EXISTS FOR (r:Rule) REQUIRE r.id IS UNIQUE
