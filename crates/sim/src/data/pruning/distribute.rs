//! Which of a query's conditions restrict which table, as PostgreSQL's planner hands them out
//! (initsplan.c, equivclass.c, prepjointree.c's `reduce_outer_joins`): a condition on one table
//! alone restricts that table; equalities make equivalence classes, so `o.user_id = u.id AND
//! u.id = 5` also restricts orders to `user_id = 5`; a LEFT JOIN whose WHERE rejects a NULL
//! on its inner side is an inner join; and on the inner side of a LEFT JOIN that stays one,
//! only `inner = constant` derived through its ON clause restricts it; an OR across tables
//! restricts each table to what every arm says of it; and, as PostgreSQL 17 does, a NULL test
//! of a NOT NULL column no outer join nulls is settled first (`c IS NULL` is FALSE and empties
//! the query, `c IS NOT NULL` is dropped). Pruning reads these lists, so that a
//! join prunes where PostgreSQL's does. (PostgreSQL keeps such an OR only when it estimates
//! that at most 90% of the rows pass it; the estimate here is PostgreSQL's for a table without
//! statistics, so an OR close to the line may be kept where a PostgreSQL with statistics drops
//! it, or the other way round.)

use std::ops::Range;

use super::clause::{restrictions, Clause, Term};
use crate::data::exec::bind::Scope;
use crate::data::sql::ast::{CompareOp, Expr};
use crate::data::value::Value;

/// A JOIN's `ON a = b`, by column position in the scope; `outer`: a LEFT JOIN, `b`'s table
/// being the one that may be NULL.
pub struct JoinOn {
    pub left: usize,
    pub right: usize,
    pub outer: bool,
}

/// What the planner gives each table of a query.
#[derive(Default)]
pub struct Restrictions {
    /// per table of the scope, the restrictions it is pruned by
    pub lists: Vec<Vec<Clause>>,
    /// per table, whether a LEFT JOIN that stays one may null it
    pub nullable: Vec<bool>,
}

/// Per table of `scope`, the restrictions the planner gives it.
pub fn restriction_lists(filter: Option<&Expr>, scope: &Scope, joins: &[JoinOn]) -> Restrictions {
    let quals = restrictions(filter, scope);
    let spans: Vec<Range<usize>> = scope.tables.iter().map(|t| t.offset..t.offset + t.def.columns.len()).collect();
    let table_of = |position: usize| spans.iter().position(|s| s.contains(&position));
    // The tables a clause reads, each once, in the order it reads them; what the planner
    // cannot see into counts as reading the whole query (`whole`), so it restricts no table.
    let whole = scope.tables.len();
    let tables_of = |c: &Clause| {
        let mut tables: Vec<usize> = Vec::new();
        for t in columns_of_clause(c).into_iter().map(|p| table_of(p).unwrap_or(whole)) {
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        tables
    };
    // A WHERE that is never true for a NULL inner row makes its LEFT JOIN an inner join.
    let strict: Vec<usize> = quals.iter().flat_map(nonnullable).collect();
    let nullable: Vec<Option<usize>> = joins
        .iter()
        .map(|j| {
            let inner = table_of(j.right)?;
            (j.outer && !strict.iter().any(|&p| spans[inner].contains(&p))).then_some(inner)
        })
        .collect();

    // PostgreSQL 17 settles a NULL test of a NOT NULL column that no outer join can null
    // before it hands the WHERE out: `c IS NOT NULL` is dropped, `c IS NULL` is FALSE.
    let never_null = |p: usize| {
        table_of(p).is_some_and(|t| {
            !nullable.contains(&Some(t)) && scope.tables[t].def.is_not_null(p - scope.tables[t].offset)
        })
    };
    let quals: Vec<Clause> = quals
        .into_iter()
        .filter(|q| !settled(q, true, &never_null))
        .map(|q| if settled(&q, false, &never_null) { Clause::Const(Some(false)) } else { q })
        .collect();

    // The planner meets the JOIN's ON before the WHERE.
    let mut classes = Classes::default();
    for (j, join) in joins.iter().enumerate() {
        if nullable[j].is_none() {
            classes.add(Term::Column(join.left), Term::Column(join.right), Source::On);
        }
    }
    let mut sources = vec![false; quals.len()];
    for (i, q) in quals.iter().enumerate() {
        if let Some((a, b)) = equivalence(q) {
            classes.add(a, b, Source::Where(i));
            sources[i] = true;
        }
    }

    let mut lists: Vec<Vec<Clause>> = vec![Vec::new(); scope.tables.len()];
    for (i, q) in quals.iter().enumerate() {
        match (&tables_of(q)[..], sources[i]) {
            ([t], false) if *t < whole && !nullable.contains(&Some(*t)) => lists[*t].push(q.clone()),
            // A WHERE that folds to FALSE or NULL restricts every table to nothing.
            ([], false) => lists.iter_mut().for_each(|l| l.push(q.clone())),
            _ => {}
        }
    }
    for class in &classes.0 {
        for derived in class.derived(&quals, &table_of) {
            match &tables_of(&derived)[..] {
                [t] if *t < whole => lists[*t].push(derived),
                // `5 = 7`: a FALSE no outer join stands under empties the whole query.
                [] => lists.iter_mut().for_each(|l| l.push(derived.clone())),
                _ => {}
            }
        }
    }
    // An OR over several tables restricts each (but a LEFT JOIN's inner side) to the OR of
    // what each arm says about it alone, when every arm says something (orclauses.c).
    for q in &quals {
        let tables = tables_of(q);
        if !matches!(q, Clause::Or(_)) || tables.len() < 2 {
            continue;
        }
        for &t in tables.iter().filter(|&&t| t < whole && !nullable.contains(&Some(t))) {
            // PostgreSQL keeps it only if it is estimated to pass at most 90% of the rows.
            if let Some(extracted) = or_restriction(q, t, &tables_of).filter(|c| selectivity(c) <= 0.9) {
                lists[t].push(extracted);
            }
        }
    }
    // The inner side of a LEFT JOIN: `inner = C` when its ON partner is known to be C.
    for (j, join) in joins.iter().enumerate() {
        let Some(inner) = nullable[j] else { continue };
        if let Some(c) = classes.constant_of(&Term::Column(join.left)) {
            lists[inner].push(Clause::Op(CompareOp::Eq, Term::Column(join.right), c));
        }
    }
    let nullable = (0..scope.tables.len()).map(|t| nullable.contains(&Some(t))).collect();
    Restrictions { lists, nullable }
}

#[derive(Clone, Copy, PartialEq)]
enum Source {
    Where(usize),
    On,
}

/// One equivalence class: its members in order of appearance, and the clauses that made it.
#[derive(Default)]
struct Class {
    members: Vec<Term>,
    sources: Vec<Source>,
}

#[derive(Default)]
struct Classes(Vec<Class>);

impl Classes {
    /// `a = b`, as `process_equivalence` takes it: joins the classes of a and b (b's into
    /// a's), or starts one.
    fn add(&mut self, a: Term, b: Term, source: Source) {
        let find = |t: &Term, classes: &[Class]| classes.iter().position(|c| c.members.contains(t));
        match (find(&a, &self.0), find(&b, &self.0)) {
            (Some(x), Some(y)) if x == y => self.0[x].sources.push(source),
            (Some(x), Some(y)) => {
                let absorbed = self.0.remove(y);
                let x = if y < x { x - 1 } else { x };
                self.0[x].members.extend(absorbed.members);
                self.0[x].sources.extend(absorbed.sources);
                self.0[x].sources.push(source);
            }
            (Some(x), None) => {
                self.0[x].members.push(b);
                self.0[x].sources.push(source);
            }
            (None, Some(y)) => {
                self.0[y].members.push(a);
                self.0[y].sources.push(source);
            }
            (None, None) => self.0.push(Class { members: vec![a, b], sources: vec![source] }),
        }
    }

    /// The constant `t` is known to equal, if any.
    fn constant_of(&self, t: &Term) -> Option<Term> {
        self.0.iter().find(|c| c.members.contains(t)).and_then(Class::constant)
    }
}

impl Class {
    fn constant(&self) -> Option<Term> {
        self.members.iter().find(|m| matches!(m, Term::Const(_))).cloned()
    }

    /// The equalities the planner puts in place of the class's sources: with a constant, each
    /// other member equals it (`generate_base_implied_equalities_const`; a class of one clause
    /// keeps that clause); without, each member of a table equals the one before it of that
    /// table (`generate_base_implied_equalities_no_const`).
    fn derived(&self, quals: &[Clause], table_of: &dyn Fn(usize) -> Option<usize>) -> Vec<Clause> {
        let eq = |a: &Term, b: &Term| match (a, b) {
            (Term::Const(x), Term::Const(y)) => Clause::Const(Some(x == y)),
            _ => Clause::Op(CompareOp::Eq, a.clone(), b.clone()),
        };
        if let Some(constant) = self.constant() {
            if let (2, [Source::Where(i)]) = (self.members.len(), &self.sources[..]) {
                return vec![quals[*i].clone()];
            }
            // The first constant is the one the others are equated with.
            let first = self.members.iter().position(|m| *m == constant);
            return self
                .members
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != first)
                .map(|(_, m)| eq(m, &constant))
                .collect();
        }
        let mut out = Vec::new();
        let mut previous: Vec<(usize, &Term)> = Vec::new();
        for m in &self.members {
            // A member reading columns of two tables restricts neither.
            let tables: Vec<Option<usize>> = columns_of_term(m).into_iter().map(table_of).collect();
            let Some(&Some(table)) = tables.first() else { continue };
            if tables.iter().any(|t| *t != Some(table)) {
                continue;
            }
            match previous.iter_mut().find(|(t, _)| *t == table) {
                Some(slot) => {
                    out.push(eq(slot.1, m));
                    slot.1 = m;
                }
                None => previous.push((table, m)),
            }
        }
        out
    }
}

/// Whether PostgreSQL 17 knows a restriction is always `value` (initsplan.c's
/// `restriction_is_always_true` / `_false`): a NULL test of a column that is `never_null`, or
/// an OR of such tests (any arm for TRUE, every arm for FALSE; an arm that is an AND is never
/// looked into).
fn settled(q: &Clause, value: bool, never_null: &dyn Fn(usize) -> bool) -> bool {
    let arm = |a: &Clause| !matches!(a, Clause::And(_)) && settled(a, value, never_null);
    match q {
        Clause::NullTest { arg: Term::Column(p), is_null } => *is_null != value && never_null(*p),
        Clause::Or(arms) if value => arms.iter().any(arm),
        Clause::Or(arms) => arms.iter().all(arm),
        _ => false,
    }
}

/// `extract_or_clause`: the OR of what each arm of `or` says about table `t` alone (an arm's
/// own conditions on it, ANDed; a nested OR likewise), or None if an arm says nothing.
fn or_restriction(or: &Clause, t: usize, tables_of: &dyn Fn(&Clause) -> Vec<usize>) -> Option<Clause> {
    let Clause::Or(arms) = or else { return None };
    let mut out = Vec::new();
    for arm in arms {
        let items = match arm {
            Clause::And(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        let mut kept = Vec::new();
        for item in items {
            if matches!(item, Clause::Or(_)) && matches!(arm, Clause::And(_)) {
                kept.extend(or_restriction(item, t, tables_of));
            } else if tables_of(item) == [t] {
                kept.push(item.clone());
            }
        }
        match kept.len() {
            0 => return None,
            1 => match kept.remove(0) {
                Clause::Or(inner) => out.extend(inner),
                one => out.push(one),
            },
            _ => out.push(Clause::And(kept)),
        }
    }
    Some(Clause::Or(out))
}

/// The share of rows PostgreSQL estimates a clause passes with no statistics (selfuncs.h's
/// defaults: equality 1/200, an inequality 1/3, IS NULL 1/200), combined as
/// `clauselist_selectivity` does: AND multiplies, OR adds what the others miss.
fn selectivity(c: &Clause) -> f64 {
    const EQ: f64 = 0.005;
    const INEQ: f64 = 1.0 / 3.0;
    match c {
        Clause::Const(Some(true)) => 1.0,
        Clause::Const(_) => 0.0,
        Clause::Op(CompareOp::Eq, ..) => EQ,
        Clause::Op(CompareOp::NotEq, ..) => 1.0 - EQ,
        Clause::Op(..) => INEQ,
        // `scalararraysel`: IN sums its equalities, NOT IN takes away each one's share.
        Clause::Array { any, items, .. } => {
            let matched = items.iter().filter(|v| !v.is_null()).count() as f64 * EQ;
            if *any {
                matched.min(1.0)
            } else if items.iter().any(|v| v.is_null()) {
                0.0
            } else {
                (1.0 - matched).max(0.0)
            }
        }
        Clause::NullTest { is_null: true, .. } => EQ,
        Clause::NullTest { is_null: false, .. } => 1.0 - EQ,
        Clause::And(items) => items.iter().map(selectivity).product(),
        Clause::Or(arms) => arms.iter().map(selectivity).fold(0.0, |s, s2| s + s2 - s * s2),
        Clause::Opaque(_) => 0.5,
    }
}

/// `a = b` that can make an equivalence: a mergejoinable equality of columns, constants and
/// integer arithmetic on them (`u.id = o.user_id + 0`), in one type family. A numeric beside an
/// integer is a cast to numeric, whose class PostgreSQL keeps apart from the integers'; such
/// clauses make no class here.
fn equivalence(q: &Clause) -> Option<(Term, Term)> {
    let Clause::Op(CompareOp::Eq, a, b) = q else { return None };
    let both_constant = matches!((a, b), (Term::Const(_), Term::Const(_)));
    (is_member(a) && is_member(b) && !both_constant && a != b).then(|| (a.clone(), b.clone()))
}

/// A column, a constant, or arithmetic of them that stays in the integers (or in text, for a
/// lone text column).
fn is_member(t: &Term) -> bool {
    match t {
        Term::Column(_) => true,
        Term::Const(v) => !matches!(v, Value::Decimal(_)),
        Term::Negate(a) => is_member(a),
        Term::Arith(_, a, b) => is_member(a) && is_member(b),
        Term::Numeric(_) | Term::Other(_) => false,
    }
}

/// The columns a clause is never true without (`find_nonnullable_rels`): those of its strict
/// comparisons, all of an AND's, the ones every arm of an OR shares.
fn nonnullable(c: &Clause) -> Vec<usize> {
    match c {
        Clause::Op(_, a, b) => [columns_of_term(a), columns_of_term(b)].concat(),
        Clause::Array { left, .. } => columns_of_term(left),
        Clause::NullTest { arg, is_null: false } => columns_of_term(arg),
        Clause::And(items) => items.iter().flat_map(nonnullable).collect(),
        Clause::Or(arms) => {
            let mut each = arms.iter().map(nonnullable);
            let first = each.next().unwrap_or_default();
            each.fold(first, |kept, arm| kept.into_iter().filter(|p| arm.contains(p)).collect())
        }
        Clause::NullTest { is_null: true, .. } | Clause::Const(_) | Clause::Opaque(_) => Vec::new(),
    }
}

fn columns_of_clause(c: &Clause) -> Vec<usize> {
    match c {
        Clause::Op(_, a, b) => [columns_of_term(a), columns_of_term(b)].concat(),
        Clause::Array { left, .. } => columns_of_term(left),
        Clause::NullTest { arg, .. } => columns_of_term(arg),
        Clause::And(items) | Clause::Or(items) => items.iter().flat_map(columns_of_clause).collect(),
        Clause::Const(_) => Vec::new(),
        // An opaque condition is tested on joined rows: it restricts no one table.
        Clause::Opaque(_) => vec![usize::MAX],
    }
}

fn columns_of_term(t: &Term) -> Vec<usize> {
    match t {
        Term::Column(p) => vec![*p],
        Term::Const(_) => Vec::new(),
        Term::Negate(a) | Term::Numeric(a) => columns_of_term(a),
        Term::Arith(_, a, b) => [columns_of_term(a), columns_of_term(b)].concat(),
        Term::Other(_) => vec![usize::MAX],
    }
}
