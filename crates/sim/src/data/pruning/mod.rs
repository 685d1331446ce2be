//! Which partitions a query reads, as PostgreSQL 17's planner decides it (checked against
//! PostgreSQL 17.10; 15 differs only where `distribute` settles a NULL test): partition
//! pruning on the partition key (partprune.c), then constraint exclusion of what is left
//! (plancat.c's `relation_excluded_by_constraints` with `constraint_exclusion = partition`): a
//! WHERE that contradicts itself, or that asks a NOT NULL column for NULL, reads no partition
//! at all. "Partitions scanned: 2 of 12" is this module's count, and it is
//! PostgreSQL's count, including where PostgreSQL reads a partition that can hold no match.
//!
//! Pruning reads each restriction alone: an OR prunes if every arm does, an AND keeps what
//! every conjunct keeps; only `key op constant`, `key [NOT] IN (constants)` and `key IS [NOT]
//! NULL` prune, with `<>` and NOT IN on list partitioning only, and only equality (and IS
//! NULL) on hash partitioning. A constant of another type family (a numeric beside a bigint
//! key) casts the key and prunes nothing.

mod bounds;
mod clause;
mod distribute;
mod refute;

use crate::data::partition::PartitionedTable;
use crate::data::sql::ast::{CompareOp, PartitionStrategy};
use crate::data::value::Value;

use bounds::{intersection, union, Bounds, Matched};
pub use clause::Clause;
use clause::Term;
pub use distribute::{restriction_lists, JoinOn, Restrictions};

/// Whether a table's restrictions hold FALSE or NULL: then the planner knows before reading
/// anything that no row passes, and PostgreSQL's plan is a `Result` with `One-Time Filter:
/// false` that reads no table (a WHERE that folds so, or a NULL test 17 settles, or two
/// constants for one equivalence class; `distribute` gives such a clause to every table).
pub fn one_time_false(restrictions: &[Clause]) -> bool {
    restrictions.iter().any(|c| matches!(c, Clause::Const(None | Some(false))))
}

/// The partitions (indexes into `table.partitions`, in declaration order) that a query reads
/// given the planner's restrictions on the table (`restriction_lists`), `offset` being where
/// the table's columns start in the query's scope.
pub fn partitions_read(table: &PartitionedTable, offset: usize, restrictions: &[Clause]) -> Vec<usize> {
    let bounds = Bounds::of(table);
    let pruner = Pruner { bounds: &bounds, key: offset + table.key_column, strategy: table.strategy };
    let kept = match pruner.steps(restrictions) {
        Outcome::Contradictory => Vec::new(),
        Outcome::NoSteps => (0..table.partitions.len()).collect(),
        Outcome::Matched(m) => bounds.partitions(&m),
    };
    // Constraint exclusion, the same for every partition left: its NOT NULL columns (the
    // primary key's and those declared so), in column order.
    let not_null: Vec<Clause> = (0..table.def.columns.len())
        .filter(|&c| table.def.is_not_null(c))
        .map(|c| Clause::NullTest { arg: Term::Column(offset + c), is_null: false })
        .collect();
    if refute::self_contradictory(restrictions) || refute::refuted(&not_null, restrictions, false) {
        return Vec::new();
    }
    kept
}

enum Outcome {
    /// no row can pass: no partition is read
    Contradictory,
    /// nothing here prunes
    NoSteps,
    Matched(Matched),
}

/// What one clause says about the partition key (`match_clause_to_partition_key`).
enum KeyMatch {
    /// `key op constant`
    Compare(CompareOp, Value),
    /// `key IS NULL` (false: `IS NOT NULL`)
    IsNull(bool),
    /// an IN list's own steps
    Steps(Matched),
    Contradicts,
    /// nothing usable for pruning
    Unusable,
}

struct Pruner<'b> {
    bounds: &'b Bounds<'b>,
    key: usize,
    strategy: PartitionStrategy,
}

impl Pruner<'_> {
    /// `gen_partprune_steps_internal` and the evaluation of its steps, for ANDed clauses.
    fn steps(&self, clauses: &[Clause]) -> Outcome {
        let mut results = Vec::new();
        let mut compares: Vec<(CompareOp, Value)> = Vec::new();
        let (mut is_null, mut not_null) = (false, false);
        for clause in clauses {
            match clause {
                Clause::Const(None | Some(false)) => return Outcome::Contradictory,
                Clause::Or(arms) => {
                    let mut kept = Vec::new();
                    for arm in arms {
                        match self.steps(std::slice::from_ref(arm)) {
                            Outcome::Contradictory => {}
                            Outcome::NoSteps => kept.push(self.bounds.everything()),
                            Outcome::Matched(m) => kept.push(m),
                        }
                    }
                    match union(kept) {
                        Some(m) => results.push(m),
                        None => return Outcome::Contradictory,
                    }
                }
                Clause::And(items) => match self.steps(items) {
                    Outcome::Contradictory => return Outcome::Contradictory,
                    Outcome::Matched(m) => results.push(m),
                    Outcome::NoSteps => {}
                },
                other => match self.match_key(other) {
                    KeyMatch::Compare(op, value) => {
                        if is_null {
                            return Outcome::Contradictory;
                        }
                        compares.push((op, value));
                    }
                    KeyMatch::IsNull(true) => {
                        if not_null || !compares.is_empty() {
                            return Outcome::Contradictory;
                        }
                        is_null = true;
                    }
                    KeyMatch::IsNull(false) => {
                        if is_null {
                            return Outcome::Contradictory;
                        }
                        not_null = true;
                    }
                    KeyMatch::Steps(m) => results.push(m),
                    KeyMatch::Contradicts => return Outcome::Contradictory,
                    KeyMatch::Unusable => {}
                },
            }
        }
        if is_null {
            results.push(self.bounds.null_step());
        } else if !compares.is_empty() {
            results.extend(compares.iter().map(|(op, v)| self.bounds.step(*op, v)));
        } else if not_null {
            results.push(self.bounds.not_null_step());
        }
        match intersection(results) {
            Some(m) => Outcome::Matched(m),
            None => Outcome::NoSteps,
        }
    }

    fn match_key(&self, clause: &Clause) -> KeyMatch {
        let is_key = |t: &Term| *t == Term::Column(self.key);
        match clause {
            Clause::Op(op, left, right) => {
                let (op, other) = if is_key(left) {
                    (*op, right)
                } else if is_key(right) {
                    (op.flipped(), left)
                } else {
                    return KeyMatch::Unusable;
                };
                if !self.prunes_with(op) {
                    return KeyMatch::Unusable;
                }
                match other {
                    Term::Const(v) if !v.is_null() => KeyMatch::Compare(op, v.clone()),
                    _ => KeyMatch::Unusable,
                }
            }
            Clause::Array { op, left, any, items } if is_key(left) && self.prunes_with(*op) => {
                let mut arms = Vec::new();
                for v in items {
                    match (v.is_null(), any) {
                        // A NULL in IN adds nothing; in NOT IN it leaves no row.
                        (true, true) => {}
                        (true, false) => return KeyMatch::Contradicts,
                        (false, _) => arms.push(Clause::Op(*op, left.clone(), Term::Const(v.clone()))),
                    }
                }
                let clauses = if *any && arms.len() > 1 { vec![Clause::Or(arms)] } else { arms };
                match self.steps(&clauses) {
                    Outcome::Contradictory => KeyMatch::Contradicts,
                    Outcome::NoSteps => KeyMatch::Unusable,
                    Outcome::Matched(m) => KeyMatch::Steps(m),
                }
            }
            Clause::NullTest { arg, is_null } if is_key(arg) => KeyMatch::IsNull(*is_null),
            _ => KeyMatch::Unusable,
        }
    }

    /// Whether the key's operator family has the operator: btree's comparisons for range and
    /// list (and `<>`, through its negator, for list alone); hash's equality.
    fn prunes_with(&self, op: CompareOp) -> bool {
        match self.strategy {
            PartitionStrategy::Hash => op == CompareOp::Eq,
            PartitionStrategy::List => true,
            PartitionStrategy::Range => op != CompareOp::NotEq,
        }
    }
}
