"""A check's SQL in its all-firm form: the same query over tables that hold every firm's rows, each row
tagged with its firm in a `__firm` column, giving for each firm exactly the rows the query gives over
that firm's tables alone, each tagged with the firm.

The transform works on SQLGlot's parsed tree (never on the text), scope by scope:
- every table a query reads (evidence, `params`, a shared relation, a CTE, a derived table) carries
  `__firm`; a constant relation (`VALUES`) carries none and is left as it is;
- in each SELECT the first table's `__firm` is the scope's firm, and every other table joins on
  `t.__firm = <the scope's firm>` (a CROSS JOIN becomes that inner join; a FULL JOIN's firm is the
  COALESCE of both sides', a RIGHT JOIN's the right side's);
- a SELECT that reads no table (`SELECT 'firm' AS subject`, `FROM (VALUES ...)`) gives its rows once per
  firm: it is joined to `__firms`, the list of the run's firms;
- a relation's SELECT projects its firm as `__firm` (unless a `t.*` of its first table already does),
  its GROUP BY and every window's PARTITION BY add it;
- a subquery in an expression (EXISTS, NOT EXISTS, a scalar subquery) is correlated to the enclosing
  scope's firm (`AND <its firm> = <outer firm>`), so it reads its own firm's rows only.

Anything else is refused with NotFirmSafe naming the construct, and the caller runs that check firm by
firm: an aggregate without GROUP BY outside a subquery (it would give one row over all firms), `IN
(SELECT ...)`, ANY/ALL, LIMIT/OFFSET/QUALIFY, JOIN ... USING and NATURAL/SEMI/ANTI joins, LATERAL, table
functions, recursive CTEs, `*` over several tables, a star in one branch of a UNION, an unknown table,
an alias of a subquery that hides one its firm is compared with, and any name `__firm`/`__firms` of the
check's own. Mixing two firms' rows (a join or a group without the firm) is what this guards against.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from ccaudit.checks.engines import SOURCE_DIALECT, portable
from ccaudit.errors import CcauditError

FIRM = "__firm"  # the column naming a row's firm, in every all-firm table
FIRMS = "__firms"  # one row per firm of the run: __firm

# Select arguments the transform understands; any other one present is refused.
_HANDLED = {"expressions", "from_", "joins", "where", "group", "having", "order", "distinct", "with_", "kind"}
_JOIN_KINDS = {None, "", "INNER", "CROSS", "OUTER"}
_JOIN_SIDES = {None, "", "LEFT", "RIGHT", "FULL"}


class NotFirmSafe(CcauditError):
    """The query uses a construct the transform cannot prove keeps each firm's rows apart."""


@dataclass
class _Scope:
    firm: exp.Expr | None  # the scope's firm, None when it reads no table
    aliases: set[str]
    carriers: list[str]  # the scope's tables that carry __firm


def all_firms_sql(sql: str, tables: Collection[str], dialect: str = SOURCE_DIALECT) -> str:
    """`sql` (one SELECT, DuckDB dialect) over all-firm tables; `tables`: the tables that hold `__firm`
    (the evidence, params, shared relations). Returns SQL in `dialect` whose rows carry `__firm`."""
    tree = all_firms_tree(sql, tables)
    if dialect == SOURCE_DIALECT:
        return tree.sql(dialect=SOURCE_DIALECT)
    return portable(tree).sql(dialect=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)


def all_firms_tree(sql: str, tables: Collection[str]) -> exp.Query:
    """The all-firm form of `sql` as SQLGlot's tree (see all_firms_sql)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE_DIALECT) if s is not None]
    except ParseError as exc:
        raise NotFirmSafe(f"cannot be parsed: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise NotFirmSafe("is not one SELECT")
    tree = statements[0]
    for ident in tree.find_all(exp.Identifier):
        if ident.name.lower() in (FIRM, FIRMS):
            raise NotFirmSafe(f"names {ident.name} itself, the all-firm run's own name")
    _Transform({t.lower() for t in tables} | {FIRMS}).relation(tree, frozenset())
    return tree


class _Transform:
    def __init__(self, tables: set[str]) -> None:
        self.tables = tables

    # -- queries -----------------------------------------------------------------------------------

    def relation(self, query: exp.Expr, ctes: frozenset[str], branch: bool = False) -> None:
        """A query whose rows are a relation (the top, a CTE, a derived table, a UNION branch): its
        rows get `__firm`."""
        ctes = self._with(query, ctes)
        if isinstance(query, exp.Subquery):
            self.relation(query.this, ctes, branch)
        elif isinstance(query, exp.SetOperation):
            self.relation(query.this, ctes, branch=True)
            self.relation(query.expression, ctes, branch=True)
            self._no_limits(query)
        elif isinstance(query, exp.Select):
            self._select(query, ctes, outer=None, branch=branch)
        else:
            raise NotFirmSafe(f"reads a {query.key.upper()} as a relation")

    def predicate(self, query: exp.Expr, ctes: frozenset[str], outer: exp.Expr) -> None:
        """A subquery in an expression (EXISTS, scalar): correlated to the enclosing scope's firm."""
        ctes = self._with(query, ctes)
        if isinstance(query, exp.Subquery):
            self.predicate(query.this, ctes, outer)
        elif isinstance(query, exp.SetOperation):
            self.predicate(query.this, ctes, outer)
            self.predicate(query.expression, ctes, outer)
            self._no_limits(query)
        elif isinstance(query, exp.Select):
            self._select(query, ctes, outer=outer, branch=False)
        else:
            raise NotFirmSafe(f"has a {query.key.upper()} as a subquery")

    def _with(self, query: exp.Expr, ctes: frozenset[str]) -> frozenset[str]:
        with_ = query.args.get("with_")
        if with_ is None:
            return ctes
        if with_.args.get("recursive"):
            raise NotFirmSafe("has a recursive CTE")
        for cte in with_.expressions:
            if cte.args.get("materialized") is not None or cte.alias_column_names:
                raise NotFirmSafe(f"CTE {cte.alias}: column lists and MATERIALIZED are not handled")
            self.relation(cte.this, ctes)
            ctes = ctes | {cte.alias.lower()}
        return ctes

    @staticmethod
    def _no_limits(query: exp.Expr) -> None:
        for arg in ("limit", "offset", "qualify", "fetch"):
            if query.args.get(arg) is not None:
                raise NotFirmSafe(f"has {arg.upper()}: it would count rows over all firms")

    # -- one SELECT ---------------------------------------------------------------------------------

    def _select(self, sel: exp.Select, ctes: frozenset[str], outer: exp.Expr | None, branch: bool) -> None:
        self._no_limits(sel)
        unknown = [k for k, v in sel.args.items() if v not in (None, [], False) and k not in _HANDLED]
        if unknown:
            raise NotFirmSafe(f"has {', '.join(sorted(unknown)).upper()} in a SELECT")
        distinct = sel.args.get("distinct")
        if distinct is not None and distinct.args.get("on") is not None:
            raise NotFirmSafe("has DISTINCT ON")
        scope = self._sources(sel, ctes, relation=outer is None)
        if outer is not None:
            shadowed = {c.table.lower() for c in outer.find_all(exp.Column)} & scope.aliases
            if shadowed:
                raise NotFirmSafe(f"a subquery's alias {', '.join(sorted(shadowed))} hides the table its firm is "
                                  "compared with")
        for sub, kind in self._subqueries(sel):
            if scope.firm is None:  # a constant scope: its subqueries read tables of no firm of its own
                raise NotFirmSafe(f"a {kind} in a SELECT that reads no table")
            self.predicate(sub, ctes, scope.firm)
        firm = scope.firm
        if firm is not None:
            for window in self._own(sel, exp.Window):
                window.set("partition_by", [firm.copy(), *(window.args.get("partition_by") or [])])
        if outer is not None:
            if firm is not None:  # a constant subquery (VALUES only) reads no firm's rows: left as it is
                sel.where(exp.EQ(this=firm.copy(), expression=outer.copy()), copy=False)
            return
        assert firm is not None  # a relation's scope always has one (__firms joined where it read none)
        group = sel.args.get("group")
        if group is not None:
            if any(group.args.get(k) for k in ("rollup", "cube", "grouping_sets", "all")) or not group.expressions:
                raise NotFirmSafe("has GROUP BY ALL, ROLLUP, CUBE or GROUPING SETS")
            group.append("expressions", firm.copy())
        elif sel.args.get("having") is not None or any(
            not isinstance(a.parent, exp.Window) for a in self._own(sel, exp.AggFunc)
        ):
            raise NotFirmSafe("aggregates without GROUP BY: it would give one row over all firms")
        self._project(sel, scope, branch)

    def _sources(self, sel: exp.Select, ctes: frozenset[str], relation: bool) -> _Scope:
        """Each table of the SELECT, its joins made within the firm; returns the scope's firm."""
        firm: exp.Expr | None = None
        aliases: set[str] = set()
        carriers: list[str] = []  # the tables that carry __firm
        from_ = sel.args.get("from_")
        first = from_.this if from_ is not None else None
        joins = list(sel.args.get("joins") or [])
        if first is not None:
            carries, alias = self._source(first, ctes)
            aliases.add(alias)
            if carries:
                firm = _firm_of(alias)
                carriers.append(alias)
        for join in joins:
            carries, alias = self._source(join.this, ctes)
            aliases.add(alias)
            side, kind = (join.args.get("side") or "").upper(), (join.args.get("kind") or "").upper()
            if join.args.get("using") or join.args.get("method") or side not in _JOIN_SIDES or kind not in _JOIN_KINDS:
                how = " ".join(x for x in (join.args.get("method"), side, kind) if x)
                raise NotFirmSafe(f"joins {alias} with {how}{' USING' if join.args.get('using') else ''}")
            if not carries:
                continue
            own = _firm_of(alias)
            if firm is None:
                if first is not None and side in ("LEFT", "FULL"):  # VALUES LEFT JOIN table: rows of no firm
                    raise NotFirmSafe(f"joins table {alias} to a constant relation by an outer join")
                if first is None:
                    raise NotFirmSafe("joins tables without a FROM")
                firm = own  # a constant relation joined to a table: the table's firm
                carriers.append(alias)
                continue
            carriers.append(alias)
            same = exp.EQ(this=own, expression=firm.copy())
            on = join.args.get("on")
            if kind == "CROSS" or on is None:
                join.set("kind", None)
                join.set("on", same)
            else:
                join.set("on", exp.and_(exp.paren(on.copy(), copy=False), same))
            if side == "RIGHT":
                firm = own.copy()
            elif side == "FULL":
                firm = exp.func("COALESCE", firm, own.copy())
        if firm is None and relation:  # reads no table: its rows once per firm
            firms = exp.to_table(FIRMS).as_(FIRMS)
            if first is None:
                sel.from_(firms, copy=False)
            else:
                sel.join(firms, join_type="CROSS", copy=False)
            firm = _firm_of(FIRMS)
            aliases.add(FIRMS)
            carriers.append(FIRMS)
        return _Scope(firm, aliases, carriers)

    def _source(self, source: exp.Expr, ctes: frozenset[str]) -> tuple[bool, str]:
        """(whether it carries __firm, its alias)."""
        if isinstance(source, exp.Table):
            if any(source.args.get(k) for k in ("db", "catalog", "pivots", "joins")):
                raise NotFirmSafe(f"reads {source.sql(SOURCE_DIALECT)}: only the run's own tables are handled")
            if not isinstance(source.this, exp.Identifier):
                raise NotFirmSafe(f"reads a table function {source.this.sql(SOURCE_DIALECT)}")
            name = source.name.lower()
            if name not in ctes and name not in self.tables:
                raise NotFirmSafe(f"reads {source.name}, which is not one of the run's all-firm tables")
            return True, source.alias_or_name.lower()
        if isinstance(source, exp.Subquery):
            if not source.alias:
                raise NotFirmSafe("has a derived table without an alias")
            if source.args.get("alias") is not None and source.args["alias"].columns:
                raise NotFirmSafe(f"derived table {source.alias}: a column list is not handled")
            self.relation(source.this, ctes)
            return True, source.alias.lower()
        if isinstance(source, exp.Values):
            if any(True for _ in source.find_all(exp.Query)):
                raise NotFirmSafe("has a subquery inside VALUES")
            return False, source.alias.lower()
        raise NotFirmSafe(f"reads from a {source.key.upper()}")

    def _subqueries(self, sel: exp.Select) -> Iterator[tuple[exp.Expr, str]]:
        """The outermost subqueries in the SELECT's own expressions (projections, WHERE, HAVING, ON,
        GROUP BY, ORDER BY), not those of its derived tables."""
        roots: list[exp.Expr] = [*sel.expressions]
        for key in ("where", "having", "group", "order"):
            if sel.args.get(key) is not None:
                roots.append(sel.args[key])
        roots.extend(j.args["on"] for j in sel.args.get("joins") or [] if j.args.get("on") is not None)
        found: list[tuple[exp.Expr, str]] = []

        def walk(node: exp.Expr) -> None:
            if isinstance(node, exp.Exists):
                found.append((node.this, "EXISTS"))
                return
            if isinstance(node, exp.In) and node.args.get("query") is not None:
                raise NotFirmSafe("has IN (SELECT ...)")
            if isinstance(node, (exp.Any, exp.All)):
                raise NotFirmSafe("has ANY/ALL over a subquery")
            if isinstance(node, exp.Subquery):
                found.append((node.this, "scalar subquery"))
                return
            if isinstance(node, exp.Query):
                raise NotFirmSafe(f"has a {node.key.upper()} inside an expression")
            for child in node.iter_expressions():
                walk(child)

        for root in roots:
            walk(root)
        return iter(found)

    @staticmethod
    def _own(sel: exp.Select, kind: type[exp.Expr]) -> Iterator[exp.Expr]:
        """Nodes of `kind` in the SELECT's own expressions (not inside a subquery or derived table)."""
        for node in sel.find_all(kind):
            if node.find_ancestor(exp.Select) is sel:
                yield node

    @staticmethod
    def _project(sel: exp.Select, scope: _Scope, branch: bool) -> None:
        """The firm as `__firm` in the projection: appended, unless a `t.*` of the scope's first table
        (whose firm is the scope's) already brings it."""
        firm = scope.firm
        assert firm is not None
        stars = [e for e in sel.expressions if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and e.is_star)]
        if not stars:
            sel.select(exp.alias_(firm.copy(), FIRM), copy=False)
            return
        if branch:
            raise NotFirmSafe("has * in a branch of a UNION: the branches' columns would not line up")
        if len(stars) > 1 or isinstance(stars[0], exp.Star):
            if isinstance(stars[0], exp.Star) and len(stars) == 1 and len(scope.carriers) == 1:
                return  # SELECT * over one table that carries __firm (and constants): its __firm is the scope's
            raise NotFirmSafe("has * over several tables")
        star_table = stars[0].table.lower()
        if not (isinstance(firm, exp.Column) and firm.table.lower() == star_table):
            raise NotFirmSafe(f"has {star_table}.* of a table other than the one giving its rows' firm")


def _firm_of(alias: str) -> exp.Column:
    return exp.column(FIRM, table=alias)
