# The pipeline part of scripts/demo.sh (sourced there: $out, step() and a running worker are set).
data="$out/data"

step "generate a synthetic catalogue (planted substitutes and complements, with ground truth)"
relmine generate --products 2000 --orders 20000 --seed 7 --out "$data"

step "ingest: catalogue, orders (co-purchases), co-views; a second run changes nothing"
relmine ingest catalog "$data/catalog.csv" --no-progress
relmine ingest orders "$data/orders.csv" --no-progress
relmine ingest edges "$data/co_viewed.csv" --type CO_VIEWED --no-progress
relmine ingest orders "$data/orders.csv" --no-progress
relmine stats

sku=$(sed -n 2p "$data/catalog.csv" | cut -d, -f1)

step "representation learning: a GAT trained by the worker, written back"
train_run="train-demo-$(date -u +%Y%m%d-%H%M%S)"
relmine train --epochs 5 --partition-size 1000 --run-id "$train_run" --wait   # its test figures (model vs CN/AA/RA) are in the log
relmine neighbours "$sku" -k 5
relmine predicted "$sku" -k 5
relmine evaluate --run "$train_run"   # the shipped model scored again on its own test slice, recorded as a run
relmine refresh --wait   # the daily step: only products whose neighbourhood changed since training (none here)

step "subgraph isomorphism: motifs, a pattern, structural twins"
relmine motifs --write
relmine match '(a:Product)-[:CO_PURCHASED]->(b:Product)-[:CO_PURCHASED]->(c:Product), (a)-[:CO_PURCHASED]->(c)' --count
relmine wl-hash
relmine similar-structure "$sku"

step "relation rules and clusters"
relmine rules --min-support 0.002 --min-confidence 0.2 --top 10
relmine clusters --top 5

step "recommendations with reasons"
relmine recommend "$sku" --kind complement -k 5
relmine recommend "$sku" --kind substitute -k 5

step "report"
relmine report --out "$out/report"
