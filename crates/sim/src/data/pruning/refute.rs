//! PostgreSQL's refutation proofs (predtest.c's `predicate_refuted_by`), which constraint
//! exclusion uses to drop a partition: a WHERE whose clauses refute one another (`id < 3 AND
//! id > 5`, `x IS NULL AND x = 1`) reads nothing, and neither does one that refutes a
//! partition's NOT NULL constraint. The proofs are PostgreSQL's, no cleverer: an OR is refuted
//! only arm by arm, and an IN list of more than 100 items is not looked into.

use std::borrow::Cow;

use super::clause::{negator, Clause, Term};
use crate::data::sql::ast::CompareOp;

/// `MAX_SAOP_ARRAY_SIZE`
const MAX_ARRAY_ITEMS: usize = 100;

/// Does the restriction list contradict itself (weak refutation of itself)?
pub fn self_contradictory(restrictions: &[Clause]) -> bool {
    refuted(restrictions, restrictions, true)
}

/// Do `clauses`, if true, prove `predicates` false (weak: not true)? Both are AND lists.
pub fn refuted(predicates: &[Clause], clauses: &[Clause], weak: bool) -> bool {
    if predicates.is_empty() || clauses.is_empty() {
        return false;
    }
    refuted_by(&Node::of(clauses), &Node::of(predicates), weak)
}

/// A clause, or the top-level AND list.
#[derive(Clone, Copy)]
enum Node<'a> {
    One(&'a Clause),
    List(&'a [Clause]),
}

impl<'a> Node<'a> {
    /// A list of one is its lone member.
    fn of(list: &'a [Clause]) -> Node<'a> {
        match list {
            [one] => Node::One(one),
            many => Node::List(many),
        }
    }
}

enum Class<'a> {
    Atom(&'a Clause),
    And(Vec<Cow<'a, Clause>>),
    Or(Vec<Cow<'a, Clause>>),
}

/// `predicate_classify`: AND and OR clauses, and an IN list over constants read as the OR (or,
/// for NOT IN, the AND) of its comparisons.
fn classify<'a>(node: Node<'a>) -> Class<'a> {
    let borrowed = |items: &'a [Clause]| items.iter().map(Cow::Borrowed).collect();
    match node {
        Node::List(items) => Class::And(borrowed(items)),
        Node::One(Clause::And(items)) => Class::And(borrowed(items)),
        Node::One(Clause::Or(items)) => Class::Or(borrowed(items)),
        Node::One(Clause::Array { op, left, any, items }) if items.len() <= MAX_ARRAY_ITEMS => {
            let arms =
                items.iter().map(|v| Cow::Owned(Clause::Op(*op, left.clone(), Term::Const(v.clone())))).collect();
            if *any {
                Class::Or(arms)
            } else {
                Class::And(arms)
            }
        }
        Node::One(atom) => Class::Atom(atom),
    }
}

fn any<'a>(items: &'a [Cow<'a, Clause>], test: impl Fn(Node<'a>) -> bool) -> bool {
    items.iter().any(|c| test(Node::One(c.as_ref())))
}

fn all<'a>(items: &'a [Cow<'a, Clause>], test: impl Fn(Node<'a>) -> bool) -> bool {
    items.iter().all(|c| test(Node::One(c.as_ref())))
}

/// `predicate_refuted_by_recurse` (no NOT survives normalisation, so its NOT rules never
/// apply here).
fn refuted_by(clause: &Node, predicate: &Node, weak: bool) -> bool {
    let (c, p) = (classify(*clause), classify(*predicate));
    match (&c, &p) {
        (Class::And(cs), Class::And(ps)) => {
            any(ps, |pi| refuted_by(clause, &pi, weak)) || any(cs, |ci| refuted_by(&ci, predicate, weak))
        }
        (Class::And(_) | Class::Atom(_), Class::Or(ps)) | (Class::Or(_), Class::Or(ps)) => {
            all(ps, |pi| refuted_by(clause, &pi, weak))
        }
        (Class::And(cs), Class::Atom(_)) => any(cs, |ci| refuted_by(&ci, predicate, weak)),
        (Class::Or(cs), Class::And(ps)) => all(cs, |ci| any(ps, |pi| refuted_by(&ci, &pi, weak))),
        (Class::Or(cs), Class::Atom(_)) => all(cs, |ci| refuted_by(&ci, predicate, weak)),
        (Class::Atom(_), Class::And(ps)) => any(ps, |pi| refuted_by(clause, &pi, weak)),
        (Class::Atom(ca), Class::Atom(pa)) => simple_refutes(ca, pa, weak),
    }
}

/// `predicate_refuted_by_simple_clause`.
fn simple_refutes(clause: &Clause, predicate: &Clause, weak: bool) -> bool {
    // A clause does not refute itself (PostgreSQL compares the pointers here).
    if std::ptr::eq(clause, predicate) {
        return false;
    }
    if let Clause::NullTest { arg, is_null: true } = clause {
        if let Clause::NullTest { arg: p_arg, is_null: false } = predicate {
            if p_arg == arg {
                return true;
            }
        }
        // `x IS NULL` weakly refutes anything strict in x.
        return weak && clause_strict_for(predicate, arg);
    }
    if let Clause::NullTest { arg, is_null } = predicate {
        if *is_null {
            if let Clause::NullTest { arg: c_arg, is_null: false } = clause {
                if c_arg == arg {
                    return true;
                }
            }
            return clause_strict_for(clause, arg);
        }
        return false;
    }
    operator_refutes(predicate, clause, weak)
}

/// Is `clause` NULL or FALSE whenever `sub` is NULL (`clause_is_strict_for`, at the top, where
/// FALSE is enough)?
fn clause_strict_for(clause: &Clause, sub: &Term) -> bool {
    match clause {
        Clause::Op(_, a, b) => term_strict_for(a, sub) || term_strict_for(b, sub),
        // `x IN (…)` is FALSE or NULL for a NULL x; `x NOT IN (…)` too unless the list is empty.
        Clause::Array { left, .. } => term_strict_for(left, sub),
        _ => false,
    }
}

fn term_strict_for(t: &Term, sub: &Term) -> bool {
    if t == sub {
        return true;
    }
    match t {
        Term::Const(v) => v.is_null(),
        Term::Negate(a) | Term::Numeric(a) => term_strict_for(a, sub),
        Term::Arith(_, a, b) => term_strict_for(a, sub) || term_strict_for(b, sub),
        Term::Column(_) | Term::Other(_) => false,
    }
}

/// `operator_predicate_proof` for refutation: two comparisons of the same expression.
fn operator_refutes(predicate: &Clause, clause: &Clause, weak: bool) -> bool {
    let (Clause::Op(p_op, pl, pr), Clause::Op(c_op, cl, cr)) = (predicate, clause) else { return false };
    let (mut p_op, mut c_op) = (*p_op, *c_op);
    let (p_const, c_const) = if pl == cl {
        if pr == cr {
            return same_operands_refute(p_op, c_op);
        }
        (pr, cr)
    } else if pr == cr {
        p_op = p_op.flipped();
        c_op = c_op.flipped();
        (pl, cl)
    } else if pl == cr {
        if pr == cl {
            return same_operands_refute(p_op.flipped(), c_op);
        }
        c_op = c_op.flipped();
        (pr, cl)
    } else if pr == cl {
        p_op = p_op.flipped();
        (pl, cr)
    } else {
        return false;
    };
    let (Term::Const(p_value), Term::Const(c_value)) = (p_const, c_const) else { return false };
    if c_value.is_null() {
        // The clause is NULL: it is never true, so it refutes anything.
        return true;
    }
    if p_value.is_null() {
        return weak;
    }
    // PostgreSQL's RC_refute_table: the test to run on (predicate's constant, clause's).
    let test = refute_test(c_op, p_op);
    test.is_some_and(|test| matches!(p_value.compare(c_value, test.symbol()), Ok(Some(order)) if test.holds(order)))
}

/// `RC_refutes_table`: `x c_op y` refutes `x p_op y`.
fn same_operands_refute(p_op: CompareOp, c_op: CompareOp) -> bool {
    use CompareOp::*;
    negator(p_op) == c_op
        || matches!(
            (c_op, p_op),
            (Lt, Eq | GtEq | Gt) | (LtEq, Gt) | (Eq, Lt | Gt | NotEq) | (GtEq, Lt) | (Gt, Lt | LtEq | Eq) | (NotEq, Eq)
        )
}

/// `RC_refute_table[clause op][predicate op]`: knowing `x c_op C1`, `x p_op C2` is false if
/// `C2 test C1`.
fn refute_test(c_op: CompareOp, p_op: CompareOp) -> Option<CompareOp> {
    use CompareOp::*;
    Some(match (c_op, p_op) {
        (Lt, Eq | GtEq | Gt) => GtEq,
        (LtEq, Eq | GtEq) => Gt,
        (LtEq, Gt) => GtEq,
        (Eq, Lt) => LtEq,
        (Eq, LtEq) => Lt,
        (Eq, Eq) => NotEq,
        (Eq, GtEq) => Gt,
        (Eq, Gt) => GtEq,
        (Eq, NotEq) => Eq,
        (GtEq, Lt) => LtEq,
        (GtEq, LtEq | Eq) => Lt,
        (Gt, Lt | LtEq | Eq) => LtEq,
        (NotEq, Eq) => Eq,
        _ => return None,
    })
}
