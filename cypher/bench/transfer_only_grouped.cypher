// Send a batch of grouped [:PREDICTED] rows and write nothing: the Bolt transfer a create_predicted batch costs.
// :params {"rows": [{"src": "A", "dst": ["B"], "type": [0], "score": [0.9], "rank": [1]}]}
UNWIND $rows AS row
RETURN count(*) AS written
