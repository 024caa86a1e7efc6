"""The Cypher guard: statements live in cypher/ and are never built from parts at run time.

Two checks over relmine/, cli/, workers/ and bench/ (tests are out of scope), read with ``ast``:

* **built**: the statement (text or name) handed to the gateway (``read``, ``read_one``,
  ``read_as``, ``stream``, ``write``, ``write_batches``, ``write_autocommit``), to the driver
  (``tx.run``, ``session.run``, ``driver.execute_query``, ``neo4j.Query``), to ``Statement(...)``,
  ``Statement.named(...)`` or ``cypher.load(...)`` is not built at run time: no f-string with
  values, ``+``, ``%``, ``.format``, ``.join`` or ``.replace``. A bare name is followed to its
  assignments in the same function and module. Whatever is built from ``cypher.load(...)``
  anywhere counts too (a statement returned by a helper is built where it is built).
* **literal**: a string constant that reads as a Cypher statement (a clause such as ``MATCH (``,
  ``MERGE (``, ``UNWIND $x AS``, ``CALL gds.x(``, ``CALL {``, ``RETURN x AS y``, ``DETACH DELETE``,
  ``SHOW INDEXES``, ``CREATE INDEX``) is a defect outside ``cypher/``: it belongs in a
  ``cypher/<group>/<name>.cypher`` file. Docstrings and comments are prose and not checked.

``relmine/motifs/compiler.py`` is exempt from both: it compiles patterns from its own whitelist
of generated variables and validated labels, with every value a ``$parameter``
(tests/unit/test_motifs_compiler.py). Anything else needs an entry in ``ALLOWED`` with a reason.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREES = ("relmine", "cli", "workers", "bench")
EXEMPT_FILES = {"relmine/motifs/compiler.py": "the pattern compiler: generated variables, whitelisted labels"}

# (file, enclosing function) -> why the finding there is safe. Keep this tiny.
ALLOWED: dict[tuple[str, str], str] = {
    ("relmine/ingest/load.py", "typed_statement"):
        "puts a relationship type into cypher/ingest/merge_relations.cypher's __TYPE__ after checking it against "
        "relmine.relations.NAME two lines above (a type is a name, not a value: the house plan splices only names "
        "that pass a strict pattern); each use is EXPLAINed by tests/integration/test_cypher_explain.py",
    ("relmine/motifs/library.py", "counting_statement"):
        "composes two cypher/ files and nothing else: a motif library statement in place of the stand-in line of "
        "cypher/matching/count_members_per_product.cypher (every composition is EXPLAINed by "
        "tests/integration/test_cypher_explain.py)",
}

# the statement argument's position for each gateway / driver entry point
CALLS = {"read": 0, "read_one": 0, "read_as": 1, "stream": 0, "write": 0, "write_batches": 0,
         "write_autocommit": 0, "run": 0, "execute_query": 0}
# receivers whose .read/.write/.run are files and processes, not the graph
NOT_GRAPH = {"f", "fh", "fout", "sys.stdout", "sys.stderr", "subprocess"}
BUILDERS = {"format", "format_map", "join", "replace"}

CYPHER = re.compile(
    r"""\b(OPTIONAL\s+)?MATCH\s*\(
      | \bMERGE\s*\(
      | \bCREATE\s*\(
      | \bUNWIND\s+[$\w\[(]
      | \bCALL\s*(\(\s*[\w\s,]*\)\s*)?\{\s*[A-Za-z]
      | \bCALL\s+[a-z]\w*(\.\w+)+\s*\(
      | \bRETURN\s+[\w$*(\[{'"]\S*(\s+AS\s+\w+)?\s*$
      | \bRETURN\s+\S+\s+AS\s+\w+
      | \bYIELD\s+\w+
      | \bDETACH\s+DELETE\b
      | \bSHOW\s+(\w+\s+)*(INDEX|INDEXES|CONSTRAINTS?|PROCEDURES|FUNCTIONS|DATABASES?|TRANSACTIONS|SETTINGS)\b
      | \b(CREATE|DROP)\s+(\w+\s+)*?(INDEX|CONSTRAINT)\b
      | \bLOAD\s+CSV\s+(WITH\s+HEADERS\s+)?FROM\b
      | \bFOREACH\s*\(
    """,
    re.VERBOSE | re.MULTILINE,
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    scope: str
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.scope}) {self.rule}: {self.text}"


def looks_like_cypher(text: str) -> bool:
    return CYPHER.search(text) is not None


class _Scopes(ast.NodeVisitor):
    """Each node's enclosing function (qualified name) and the assignments seen in each scope."""

    def __init__(self) -> None:
        self.scope_of: dict[int, str] = {}
        self.assigned: dict[tuple[str, str], list[ast.expr]] = {}
        self.docstrings: set[int] = set()
        self._stack: list[str] = []

    def _here(self) -> str:
        return ".".join(self._stack) or "<module>"

    def generic_visit(self, node: ast.AST) -> None:
        self.scope_of[id(node)] = self._here()
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            self.docstrings.add(id(node.value))  # a bare string statement is prose, not a statement
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value if not isinstance(node, ast.AugAssign) else node  # x += y is building
            for t in targets:
                if isinstance(t, ast.Name):
                    self.assigned.setdefault((self._here(), t.id), []).append(value)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._stack.append(node.name)
            super().generic_visit(node)
            self._stack.pop()
        else:
            super().generic_visit(node)


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every expression
        return ""


def _is_str_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_load(node: ast.AST) -> bool:
    """``cypher.load(...)``, ``Statement.named(...)`` or ``Statement.named(...).text``."""
    if isinstance(node, ast.Attribute) and node.attr == "text":
        node = node.value
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and _dotted(node.func) in ("cypher.load", "Statement.named"))


class Checker:
    def __init__(self, source: str, path: str) -> None:
        self.path = path
        self.tree = ast.parse(source)
        self.scopes = _Scopes()
        self.scopes.visit(self.tree)
        self.findings: list[Finding] = []

    # -- what counts as built -------------------------------------------------
    def built(self, node: ast.AST | None, scope: str, seen: frozenset = frozenset()) -> str | None:
        """How ``node`` is built at run time (``None`` when it is a literal, a name or a call)."""
        if node is None:
            return None
        if isinstance(node, ast.JoinedStr):
            return "f-string with values" if any(isinstance(v, ast.FormattedValue) for v in node.values) else None
        if isinstance(node, ast.AugAssign):
            return "+=" if isinstance(node.op, ast.Add) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            leaves = [node.left, node.right]
            if all(_is_str_constant(x) for x in leaves) or any(isinstance(x, (ast.List, ast.Tuple)) for x in leaves):
                return None  # constant folding, or a list (a command line) rather than text
            return "+" if isinstance(node.op, ast.Add) else "%"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in BUILDERS:
            return f".{node.func.attr}()"
        if isinstance(node, ast.IfExp):
            return self.built(node.body, scope, seen) or self.built(node.orelse, scope, seen)
        if isinstance(node, ast.Call) and (_dotted(node.func) in ("Statement", "Statement.named", "cypher.load")):
            return self.built(node.args[0] if node.args else _kw(node, "text"), scope, seen)
        if isinstance(node, ast.Name) and node.id not in seen:
            for where in _enclosing(scope):
                for value in self.scopes.assigned.get((where, node.id), []):
                    how = self.built(value, where, seen | {node.id})
                    if how:
                        return f"{node.id} = ...{how}"
        return None

    # -- the two rules --------------------------------------------------------
    def run(self) -> list[Finding]:
        for node in ast.walk(self.tree):
            scope = self.scopes.scope_of.get(id(node), "<module>")
            if isinstance(node, ast.Call):
                self._check_call(node, scope)
            if isinstance(node, (ast.BinOp, ast.Call)) and self._builds_on_load(node, scope):
                self._add(node, scope, "built from cypher.load()")
            if _is_str_constant(node) and id(node) not in self.scopes.docstrings and looks_like_cypher(node.value):
                self._add(node, scope, "Cypher outside cypher/", node.value)
        return self.findings

    def _check_call(self, call: ast.Call, scope: str) -> None:
        func = call.func
        arg: ast.AST | None = None
        if isinstance(func, ast.Attribute) and func.attr in CALLS:
            if _dotted(func.value) in NOT_GRAPH:
                return
            pos = CALLS[func.attr]
            arg = call.args[pos] if len(call.args) > pos else _kw(call, "query", "stmt", "statement")
        elif _dotted(func) in ("Statement.named", "cypher.load") or _dotted(func).split(".")[-1] in ("Statement", "Query"):
            arg = call.args[0] if call.args else _kw(call, "text", "query", "name")
        how = self.built(arg, scope)
        if how:
            self._add(call, scope, f"statement built with {how}")

    def _builds_on_load(self, node: ast.AST, scope: str) -> bool:
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            parts = [node.left, node.right]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in BUILDERS:
            parts = [node.func.value, *node.args]
        else:
            return False
        return any(self._loaded(p, scope) for p in parts)

    def _loaded(self, node: ast.AST, scope: str, seen: frozenset = frozenset()) -> bool:
        """Whether ``node`` holds text read by ``cypher.load`` (directly, derived, or through a name)."""
        for sub in ast.walk(node):
            if _is_load(sub):
                return True
            if isinstance(sub, ast.Name) and sub.id not in seen:
                values = [v for where in _enclosing(scope) for v in self.scopes.assigned.get((where, sub.id), [])]
                if any(self._loaded(v, scope, seen | {sub.id}) for v in values if isinstance(v, ast.expr)):
                    return True
        return False

    def _add(self, node: ast.AST, scope: str, rule: str, text: str | None = None) -> None:
        shown = " ".join((text if text is not None else _dotted(node)).split())[:90]
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), scope, rule, shown))


def _kw(call: ast.Call, *names: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _enclosing(scope: str) -> list[str]:
    """The scope and those around it, innermost first (``a.b`` -> ``a.b``, ``a``, module)."""
    parts = [] if scope == "<module>" else scope.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)] + ["<module>"]


def check_source(source: str, path: str = "snippet.py") -> list[Finding]:
    return Checker(textwrap.dedent(source), path).run()


def scan(root: Path = ROOT) -> list[Finding]:
    found: list[Finding] = []
    for tree in TREES:
        for path in sorted((root / tree).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel in EXEMPT_FILES:
                continue
            found += [f for f in check_source(path.read_text(encoding="utf-8"), rel)
                      if (f.path, f.scope.split(".")[-1]) not in ALLOWED]
    return found


# -- the tree --------------------------------------------------------------------
def test_no_statement_is_built_and_no_cypher_lives_outside_cypher_files():
    findings = scan()
    assert findings == [], ("move the statement into cypher/<group>/<name>.cypher and pass values as $parameters:\n"
                            + "\n".join(map(str, findings)))


def test_every_allowance_is_still_needed_and_says_why():
    for (path, function), reason in ALLOWED.items():
        assert len(reason) > 40, f"{path}:{function}: say why it is safe"
        source = (ROOT / path).read_text(encoding="utf-8")
        hits = [f for f in check_source(source, path) if f.scope.split(".")[-1] == function]
        assert hits, f"{path}:{function} is allowed but no longer needs it: drop it from ALLOWED"


def test_the_trees_exist_and_hold_gateway_calls():
    # a guard that scanned nothing would pass: the trees are there and the checker sees the calls
    calls = 0
    for tree in TREES:
        files = list((ROOT / tree).rglob("*.py"))
        assert files, tree
        for path in files:
            calls += sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in CALLS
                         and _dotted(n.func.value) in ("gw", "self.gw")
                         for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    assert calls > 100


# -- the checker itself, on planted examples -----------------------------------
BAD = {
    "f-string into read": """
        def f(gw, label):
            gw.read(f"MATCH (n:{label}) RETURN n")
    """,
    "multi-line f-string": '''
        def f(gw, label):
            gw.write(f"""
                MATCH (n)
                SET n:{label}
            """)
    ''',
    "+ via a local": """
        def f(gw, where):
            q = "MATCH (n) WHERE " + where
            return gw.read(q)
    """,
    "+= via a local": """
        def f(gw, where):
            q = "MATCH (n) "
            q += where
            return gw.read_one(q)
    """,
    "format": """
        def f(gw, t):
            gw.write("MERGE (a)-[:{}]->(b)".format(t), {})
    """,
    "percent": """
        def f(session, t):
            session.run("MATCH (n:%s) RETURN n" % t)
    """,
    "join into Statement": """
        from relmine.gateway import Statement
        def f(parts):
            return Statement(" ".join(parts), "x")
    """,
    "replace on a loaded statement": """
        from relmine import cypher
        def f(t):
            return cypher.load("ingest/merge_relations").replace("__TYPE__", t)
    """,
    "wrapping a loaded statement": """
        from relmine import cypher
        def f(name):
            body = cypher.load(name)
            return "CALL () {" + body + "}"
    """,
    "read_as statement": """
        def f(gw, cls, x):
            return gw.read_as(cls, f"products/{x}")
    """,
    "dynamic statement name": """
        def f(gw, kind):
            return gw.read(f"writeback/merge_{kind}")
    """,
    "tx.run in a transaction function": """
        def work(tx, label):
            tx.run("MATCH (n:" + label + ") DETACH DELETE n")
    """,
    "execute_query": """
        def f(driver, x):
            driver.execute_query(f"RETURN {x} AS x")
    """,
    "neo4j.Query": """
        import neo4j
        def f(session, x):
            session.run(neo4j.Query(f"UNWIND {x} AS r RETURN r"))
    """,
    "module constant built at import": """
        LABEL = "Product"
        COUNT = "MATCH (n:" + LABEL + ") RETURN count(n) AS n"
        def f(gw):
            return gw.read_one(COUNT)
    """,
    "any receiver but files": """
        class Job:
            def go(self, where):
                return self.gw.write("runs/" + where)
    """,
    "Statement(text=...)": """
        def f(label):
            return Statement(text="MATCH (n:%s) RETURN n" % label, name="x")
    """,
    "literal statement inline": """
        def f(gw):
            return gw.read_one(Statement("MATCH (n) RETURN count(n) AS n", "count"))
    """,
    "literal statement as a constant": """
        WIPE = "MATCH (n) DETACH DELETE n"
    """,
    "unwind": """
        LOAD = '''UNWIND $rows AS r
        SET r.x = 1'''
    """,
    "procedure call": """
        X = "CALL gds.graph.drop($name, false) YIELD graphName"
    """,
    "subquery call": """
        X = "CALL () { RETURN 1 AS one }"
    """,
    "show indexes": """
        X = "SHOW VECTOR INDEXES"
    """,
    "create index": """
        X = "CREATE INDEX product_sku IF NOT EXISTS FOR (p:Product) ON (p.sku)"
    """,
    "return": """
        X = "RETURN 1 AS one"
    """,
    "detach delete": """
        X = "WITH n DETACH DELETE n"
    """,
    "load csv": """
        X = "LOAD CSV WITH HEADERS FROM $url AS row"
    """,
}

GOOD = {
    "named statement": """
        def f(gw, sku):
            return gw.read("products/by_sku", {"sku": sku})
    """,
    "loaded statement": """
        from relmine.gateway import Statement
        LOAD = Statement.named("bench/load_products")
        def f(gw, rows):
            gw.write_batches(LOAD, rows)
    """,
    "statement from a compiler call": """
        def f(gw, pattern):
            return gw.read(compile_pattern(pattern).statement, pattern.params)
    """,
    "parameter passed through": """
        def run_statement(tx, name, params, text=None):
            return tx.run(text if text is not None else cypher.load(name), params)
    """,
    "file writes": """
        def f(fh, rows):
            fh.write(f"{len(rows)} rows\\n")
            sys.stderr.write("wrote " + str(len(rows)) + " rows")
    """,
    "subprocess": """
        def f(cmd):
            subprocess.run(cmd + ["--x"], check=True)
    """,
    "docstring with an example": '''
        def f():
            """Counts ``MATCH (a)-[:T]-(b)`` matches; RETURN count AS n."""
    ''',
    "prose and messages": """
        MSG = "no match (check the SKU); return with --all"
        HELP = "SHOW the index of products"
        NAME = "motifs/gds_project_triangles"
    """,
    "constant concatenation": """
        X = "ingest/" "merge_products"
        def f(gw):
            gw.read("runs/" "get_run")
    """,
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_checker_flags_a_planted_defect(name):
    assert check_source(BAD[name]), name


@pytest.mark.parametrize("name", sorted(GOOD))
def test_checker_passes_clean_code(name):
    assert check_source(GOOD[name]) == [], name


def test_allowance_is_per_function(tmp_path):
    # an allowed function covers only itself: the same defect next door is still found
    src = """
        def typed_statement(name, t):
            return cypher.load(name).replace("__TYPE__", t)
        def other(name, t):
            return cypher.load(name).replace("__TYPE__", t)
    """
    (tmp_path / "relmine" / "ingest").mkdir(parents=True)
    for tree in TREES[1:]:
        (tmp_path / tree).mkdir()
    (tmp_path / "relmine" / "ingest" / "load.py").write_text(textwrap.dedent(src))
    found = scan(tmp_path)
    assert [(f.path, f.scope) for f in found] == [("relmine/ingest/load.py", "other")]


def test_the_exempt_compiler_would_be_flagged():
    # the exemption is doing work: the compiler builds statements, which the checker sees
    rel = next(iter(EXEMPT_FILES))
    assert check_source((ROOT / rel).read_text(encoding="utf-8"), rel)
