//! A WHERE clause as PostgreSQL's planner holds it when it prunes: constants folded, NOTs
//! pushed down, `BETWEEN` and `IN` spelled out, AND/OR flattened, and NULL and FALSE arms
//! dropped as `eval_const_expressions` and `canonicalize_qual` leave them (clauses.c,
//! prepqual.c, parse_expr.c's `transformAExprIn`). Pruning and the contradiction proofs read
//! this form, so that they see what PostgreSQL's see.

use crate::data::exec::bind::Scope;
use crate::data::exec::types::{expr_type, SqlType};
use crate::data::sql::ast::{CompareOp, Expr};
use crate::data::value::{ArithOp, Decimal, Value};

/// A value expression, its columns resolved to positions (so `o.id` and `id` are one column).
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Column(usize),
    Const(Value),
    Negate(Box<Term>),
    Arith(ArithOp, Box<Term>, Box<Term>),
    /// an integer expression read as numeric to meet a numeric one (PostgreSQL's implicit cast)
    Numeric(Box<Term>),
    /// anything else (a WHERE holds no other value expression once checked)
    Other(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// TRUE, FALSE, or NULL (`None`)
    Const(Option<bool>),
    And(Vec<Clause>),
    Or(Vec<Clause>),
    Op(CompareOp, Term, Term),
    /// `x op ANY (…)` for IN, `x op ALL (…)` for NOT IN, over constants (NULLs kept)
    Array {
        op: CompareOp,
        left: Term,
        any: bool,
        items: Vec<Value>,
    },
    NullTest {
        arg: Term,
        is_null: bool,
    },
    /// a condition the planner cannot see into
    Opaque(Box<Expr>),
}

/// The restriction list of a WHERE clause: its top-level AND's items (none for no WHERE, or
/// one that folds to TRUE), as `make_ands_implicit` gives them.
pub fn restrictions(filter: Option<&Expr>, scope: &Scope) -> Vec<Clause> {
    let Some(filter) = filter else { return Vec::new() };
    match canonical(Normalizer { scope }.clause(filter)) {
        Clause::Const(Some(true)) => Vec::new(),
        Clause::And(items) => items,
        other => vec![other],
    }
}

struct Normalizer<'s> {
    scope: &'s Scope,
}

impl Normalizer<'_> {
    fn clause(&self, e: &Expr) -> Clause {
        match e {
            Expr::Literal(Value::Bool(b)) => Clause::Const(Some(*b)),
            Expr::Literal(Value::Null) => Clause::Const(None),
            Expr::And(a, b) => and_of(vec![self.clause(a), self.clause(b)]),
            Expr::Or(a, b) => or_of(vec![self.clause(a), self.clause(b)]),
            Expr::Not(a) => negate(self.clause(a)),
            Expr::Compare(op, a, b) => self.comparison(*op, a, b),
            Expr::IsNull { expr, negated } => match term(expr, self.scope) {
                Term::Const(v) => Clause::Const(Some(v.is_null() != *negated)),
                arg => Clause::NullTest { arg, is_null: !negated },
            },
            // The parser spells BETWEEN out (`transformAExprBetween`).
            Expr::Between { expr, low, high, negated: false } => {
                and_of(vec![self.comparison(CompareOp::GtEq, expr, low), self.comparison(CompareOp::LtEq, expr, high)])
            }
            Expr::Between { expr, low, high, negated: true } => {
                or_of(vec![self.comparison(CompareOp::Lt, expr, low), self.comparison(CompareOp::Gt, expr, high)])
            }
            Expr::InList { expr, list, negated } => self.in_list(expr, list, *negated),
            other => Clause::Opaque(Box::new(other.clone())),
        }
    }

    fn is_numeric(&self, e: &Expr) -> bool {
        expr_type(self.scope, e) == Ok(SqlType::Numeric)
    }

    fn is_integer(&self, e: &Expr) -> bool {
        matches!(expr_type(self.scope, e), Ok(SqlType::Integer | SqlType::BigInt))
    }

    /// `a op b`: a strict operator, so NULL on either side is NULL, and two constants fold.
    fn comparison(&self, op: CompareOp, a: &Expr, b: &Expr) -> Clause {
        let (mut left, mut right) = (term(a, self.scope), term(b, self.scope));
        // An integer meeting a numeric is read as numeric (the operator is numeric's).
        if self.is_integer(a) && self.is_numeric(b) {
            left = as_numeric(left);
        } else if self.is_numeric(a) && self.is_integer(b) {
            right = as_numeric(right);
        }
        match (&left, &right) {
            (Term::Const(x), Term::Const(y)) => match x.compare(y, op.symbol()) {
                Ok(order) => Clause::Const(order.map(|o| op.holds(o))),
                Err(_) => Clause::Op(op, left, right),
            },
            (Term::Const(Value::Null), _) | (_, Term::Const(Value::Null)) => Clause::Const(None),
            _ => Clause::Op(op, left, right),
        }
    }

    /// `x [NOT] IN (…)` as `transformAExprIn` builds it: items reading no column make one array
    /// (if more than one), each other item its own `=` (`<>`); joined by OR (AND).
    fn in_list(&self, expr: &Expr, list: &[Expr], negated: bool) -> Clause {
        let op = if negated { CompareOp::NotEq } else { CompareOp::Eq };
        let (constants, columns): (Vec<&Expr>, Vec<&Expr>) = list.iter().partition(|e| !reads_column(e));
        let mut parts = Vec::new();
        let rest: Vec<&Expr> = if constants.len() > 1 {
            parts.push(self.array(op, expr, &constants, !negated));
            columns
        } else {
            list.iter().collect()
        };
        parts.extend(rest.into_iter().map(|item| self.comparison(op, expr, item)));
        if negated {
            and_of(parts)
        } else {
            or_of(parts)
        }
    }

    fn array(&self, op: CompareOp, expr: &Expr, items: &[&Expr], any: bool) -> Clause {
        // The array takes the items' common type; an integer side meeting numeric is cast.
        let numeric = self.is_numeric(expr) || items.iter().any(|e| self.is_numeric(e));
        let cast = |t: Term| if numeric { as_numeric(t) } else { t };
        let left = cast(term(expr, self.scope));
        let values: Vec<Value> = items
            .iter()
            .map(|e| match cast(term(e, self.scope)) {
                Term::Const(v) => v,
                _ => Value::Null,
            })
            .collect();
        let Term::Const(x) = &left else { return Clause::Array { op, left, any, items: values } };
        if x.is_null() {
            return Clause::Const(None);
        }
        // A constant on the left too: the whole array folds, with SQL's three-valued ANY/ALL.
        let mut unknown = false;
        for v in &values {
            match x.compare(v, op.symbol()) {
                Ok(Some(order)) if op.holds(order) == any => return Clause::Const(Some(any)),
                Ok(Some(_)) => {}
                _ => unknown = true,
            }
        }
        Clause::Const(if unknown { None } else { Some(!any) })
    }
}

fn reads_column(e: &Expr) -> bool {
    match e {
        Expr::Column(_) => true,
        Expr::Literal(_) => false,
        Expr::Negate(a) => reads_column(a),
        Expr::Arith(_, a, b) => reads_column(a) || reads_column(b),
        _ => true,
    }
}

/// A value expression with its constant parts folded (a fold that fails is left for the
/// executor to report).
fn term(e: &Expr, scope: &Scope) -> Term {
    match e {
        Expr::Column(c) => match scope.resolve(c) {
            Ok((position, _)) => Term::Column(position),
            Err(_) => Term::Other(Box::new(e.clone())),
        },
        Expr::Literal(v) => Term::Const(v.clone()),
        Expr::Negate(a) => match term(a, scope) {
            Term::Const(v) => match Value::Int(0).arith(ArithOp::Subtract, &v) {
                Ok(folded) => Term::Const(folded),
                Err(_) => Term::Negate(Box::new(Term::Const(v))),
            },
            t => Term::Negate(Box::new(t)),
        },
        Expr::Arith(op, a, b) => match (term(a, scope), term(b, scope)) {
            (Term::Const(x), Term::Const(y)) => match x.arith(*op, &y) {
                Ok(folded) => Term::Const(folded),
                Err(_) => Term::Arith(*op, Box::new(Term::Const(x)), Box::new(Term::Const(y))),
            },
            (x, y) => Term::Arith(*op, Box::new(x), Box::new(y)),
        },
        other => Term::Other(Box::new(other.clone())),
    }
}

fn as_numeric(t: Term) -> Term {
    match t {
        Term::Const(Value::Int(i)) => Term::Const(Value::Decimal(Box::new(Decimal::from_int(i)))),
        Term::Const(v) => Term::Const(v),
        other => Term::Numeric(Box::new(other)),
    }
}

fn and_of(parts: Vec<Clause>) -> Clause {
    junction(parts, true)
}

fn or_of(parts: Vec<Clause>) -> Clause {
    junction(parts, false)
}

/// AND (`and`) or OR as `eval_const_expressions` simplifies it: nested ones flattened, the
/// constant that decides it (FALSE in an AND, TRUE in an OR) wins, the other is dropped, and
/// one NULL is kept at the end.
fn junction(parts: Vec<Clause>, and: bool) -> Clause {
    let mut out = Vec::new();
    let mut null = false;
    for part in flatten(parts, and) {
        match part {
            Clause::Const(Some(b)) if b == and => {}
            Clause::Const(Some(_)) => return Clause::Const(Some(!and)),
            Clause::Const(None) => null = true,
            other => out.push(other),
        }
    }
    finish(out, null, and)
}

fn finish(mut out: Vec<Clause>, null: bool, and: bool) -> Clause {
    if null {
        out.push(Clause::Const(None));
    }
    match out.len() {
        0 => Clause::Const(Some(and)),
        1 => out.remove(0),
        _ if and => Clause::And(out),
        _ => Clause::Or(out),
    }
}

fn flatten(parts: Vec<Clause>, and: bool) -> Vec<Clause> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Clause::And(inner) if and => out.extend(inner),
            Clause::Or(inner) if !and => out.extend(inner),
            other => out.push(other),
        }
    }
    out
}

/// NOT as `negate_clause` pushes it down: an operator becomes its negator, IN becomes
/// `<> ALL`, De Morgan for AND and OR.
fn negate(c: Clause) -> Clause {
    match c {
        Clause::Const(v) => Clause::Const(v.map(|b| !b)),
        Clause::Op(op, a, b) => Clause::Op(negator(op), a, b),
        Clause::Array { op, left, any, items } => Clause::Array { op: negator(op), left, any: !any, items },
        Clause::NullTest { arg, is_null } => Clause::NullTest { arg, is_null: !is_null },
        Clause::And(parts) => Clause::Or(flatten(parts.into_iter().map(negate).collect(), false)),
        Clause::Or(parts) => Clause::And(flatten(parts.into_iter().map(negate).collect(), true)),
        Clause::Opaque(e) => Clause::Opaque(Box::new(Expr::Not(e))),
    }
}

pub fn negator(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Eq => CompareOp::NotEq,
        CompareOp::NotEq => CompareOp::Eq,
        CompareOp::Lt => CompareOp::GtEq,
        CompareOp::LtEq => CompareOp::Gt,
        CompareOp::Gt => CompareOp::LtEq,
        CompareOp::GtEq => CompareOp::Lt,
    }
}

/// `canonicalize_qual` on a WHERE clause (`find_duplicate_ors`): in every AND a NULL is FALSE;
/// in every OR, NULL and FALSE arms go; then a clause that every OR arm shares is pulled out.
fn canonical(c: Clause) -> Clause {
    match c {
        Clause::Or(parts) => {
            let mut arms = Vec::new();
            for part in parts.into_iter().map(canonical) {
                match part {
                    Clause::Const(None | Some(false)) => {}
                    Clause::Const(Some(true)) => return part,
                    other => arms.push(other),
                }
            }
            shared_out_of_ors(flatten(arms, false))
        }
        Clause::And(parts) => {
            let mut items = Vec::new();
            for part in parts.into_iter().map(canonical) {
                match part {
                    Clause::Const(Some(true)) => {}
                    Clause::Const(_) => return Clause::Const(Some(false)),
                    other => items.push(other),
                }
            }
            match flatten(items, true) {
                items if items.is_empty() => Clause::Const(Some(true)),
                mut items if items.len() == 1 => items.remove(0),
                items => Clause::And(items),
            }
        }
        other => other,
    }
}

/// `process_duplicate_ors`: `(A AND B) OR (A AND C)` is `A AND (B OR C)`, and `(A AND B) OR A`
/// is `A`.
fn shared_out_of_ors(arms: Vec<Clause>) -> Clause {
    let items_of = |c: &Clause| match c {
        Clause::And(items) => items.clone(),
        other => vec![other.clone()],
    };
    match arms.len() {
        0 => return Clause::Const(Some(false)),
        1 => return arms.into_iter().next().unwrap_or(Clause::Const(Some(false))),
        _ => {}
    }
    // The shortest AND is the reference (a non-AND arm is shortest of all).
    let reference = arms
        .iter()
        .find(|a| !matches!(a, Clause::And(_)))
        .or_else(|| arms.iter().min_by_key(|a| items_of(a).len()))
        .map(items_of)
        .unwrap_or_default();
    let mut unique: Vec<Clause> = Vec::new();
    for r in reference {
        if !unique.contains(&r) {
            unique.push(r);
        }
    }
    let winners: Vec<Clause> = unique.into_iter().filter(|r| arms.iter().all(|a| items_of(a).contains(r))).collect();
    if winners.is_empty() {
        return Clause::Or(arms);
    }
    let mut rest = Vec::new();
    for arm in &arms {
        let left: Vec<Clause> = items_of(arm).into_iter().filter(|c| !winners.contains(c)).collect();
        match left.len() {
            // `(A AND B) OR A`: the other arms add nothing.
            0 => {
                rest.clear();
                break;
            }
            1 => rest.extend(left),
            _ => rest.push(Clause::And(left)),
        }
    }
    let mut out = winners;
    match rest.len() {
        0 => {}
        1 => out.extend(rest),
        _ => out.push(Clause::Or(flatten(rest, false))),
    }
    match out.len() {
        1 => out.remove(0),
        _ => Clause::And(flatten(out, true)),
    }
}
