//! Declarative partitioning as PostgreSQL 17 does it (its rules have not changed since 11):
//! RANGE bounds include FROM and exclude TO, a row that fits no partition and finds no DEFAULT
//! is refused, hash moduli must each divide the next larger one, and pruning (`pruning`) reads
//! only the partition key's conditions (hash partitions prune on equality and IS NULL only).
//! The messages are PostgreSQL's, checked against a PostgreSQL 15 server.

use std::cmp::Ordering;
use std::rc::Rc;

use super::exec::coerce_value;
use super::pg_hash::partition_hash;
use super::schema::TableDef;
use super::sql::ast::{BoundSpec, Ddl, PartitionStrategy, RangeEdge, UniqueKey};
use super::sql::SqlError;
use super::value::Value;

#[derive(Clone, Debug)]
pub struct Partition {
    pub name: String,
    pub bound: BoundSpec,
}

#[derive(Clone, Debug)]
pub struct PartitionedTable {
    pub def: Rc<TableDef>,
    pub key_column: usize,
    pub strategy: PartitionStrategy,
    pub partitions: Vec<Partition>,
}

fn ddl_error(message: String, detail: Option<String>, at: usize) -> SqlError {
    let message = match detail {
        Some(d) => format!("{message}\nDETAIL:  {d}"),
        None => message,
    };
    SqlError { position: at, message }
}

impl PartitionedTable {
    pub fn new(
        def: Rc<TableDef>,
        strategy: PartitionStrategy,
        column: &str,
        at: usize,
    ) -> Result<PartitionedTable, SqlError> {
        let key_column = def.column(column).ok_or_else(|| {
            ddl_error(
                format!("column \"{column}\" named in partition key does not exist"),
                Some(format!("{} has {}.", def.name, def.column_names().join(", "))),
                at,
            )
        })?;
        Ok(PartitionedTable { def, key_column, strategy, partitions: Vec::new() })
    }

    /// The key its column list declares, if any (`TableDef::key`: without one a partitioned
    /// table keeps no row unique and groups by no key, as in PostgreSQL), after PostgreSQL's rule
    /// for a PRIMARY KEY or UNIQUE constraint on a partitioned table: each partition enforces
    /// it alone, so it must hold the partition key.
    fn declare_key(&mut self, keys: &[UniqueKey]) -> Result<(), SqlError> {
        // As PostgreSQL reads the list, constraint by constraint, before it builds any index.
        for (i, key) in keys.iter().enumerate() {
            if key.kind == "PRIMARY KEY" && keys[..i].iter().any(|k| k.kind == "PRIMARY KEY") {
                let message = format!("multiple primary keys for table \"{}\" are not allowed", self.def.name);
                return Err(ddl_error(message, None, 0));
            }
            if let Some(missing) = key.columns.iter().find(|c| self.def.column(c).is_none()) {
                return Err(ddl_error(format!("column \"{missing}\" named in key does not exist"), None, 0));
            }
        }
        for key in keys {
            if !key.columns.iter().any(|c| c == self.key_name()) {
                return Err(ddl_error(
                    "unique constraint on partitioned table must include all partitioning columns".into(),
                    Some(format!(
                        "{} constraint on table \"{}\" lacks column \"{}\" which is part of the partition key.",
                        key.kind,
                        self.def.name,
                        self.key_name()
                    )),
                    0,
                ));
            }
        }
        if keys.iter().any(|k| k.kind == "UNIQUE") {
            return Err(ddl_error(
                "UNIQUE constraints are PostgreSQL, but this console keeps only a PRIMARY KEY: declare that".into(),
                None,
                0,
            ));
        }
        let key = keys.first().map(|k| k.columns.iter().filter_map(|c| self.def.column(c)).collect());
        self.def = Rc::new(TableDef { key, ..(*self.def).clone() });
        Ok(())
    }

    pub fn key_name(&self) -> &'static str {
        self.def.columns[self.key_column].name
    }

    /// `CREATE TABLE name PARTITION OF … FOR VALUES …`, with PostgreSQL's checks.
    pub fn add(&mut self, name: &str, bound: BoundSpec, at: usize) -> Result<(), SqlError> {
        let bound = self.typed(bound, at)?;
        let kind_matches = matches!(
            (&bound, self.strategy),
            (BoundSpec::Default, _)
                | (BoundSpec::Range { .. }, PartitionStrategy::Range)
                | (BoundSpec::List(_), PartitionStrategy::List)
                | (BoundSpec::Hash { .. }, PartitionStrategy::Hash)
        );
        if !kind_matches {
            return Err(ddl_error(
                format!("invalid bound specification for a {} partition", self.strategy.name()),
                None,
                at,
            ));
        }
        match &bound {
            BoundSpec::Default => self.check_default(name, at)?,
            BoundSpec::Range { from, to } => self.check_range(name, from, to, at)?,
            BoundSpec::List(values) => self.check_list(name, values, at)?,
            BoundSpec::Hash { modulus, remainder } => self.check_hash(name, *modulus, *remainder, at)?,
        }
        self.partitions.push(Partition { name: name.to_string(), bound });
        Ok(())
    }

    /// Gives the bound's constants the key's type (`'2025-01-01'` is a timestamp here).
    fn typed(&self, bound: BoundSpec, at: usize) -> Result<BoundSpec, SqlError> {
        let ty = self.def.columns[self.key_column].ty;
        let cast = |v: Value| coerce_value(ty, v, "=").map_err(|e| SqlError { position: at, message: e.message });
        Ok(match bound {
            BoundSpec::Range { from, to } => {
                let edge = |e: RangeEdge| -> Result<RangeEdge, SqlError> {
                    Ok(match e {
                        RangeEdge::Value(v) => RangeEdge::Value(cast(v)?),
                        other => other,
                    })
                };
                BoundSpec::Range { from: edge(from)?, to: edge(to)? }
            }
            BoundSpec::List(values) => BoundSpec::List(values.into_iter().map(cast).collect::<Result<_, _>>()?),
            other => other,
        })
    }

    fn check_default(&self, name: &str, at: usize) -> Result<(), SqlError> {
        if self.strategy == PartitionStrategy::Hash {
            return Err(ddl_error("a hash-partitioned table may not have a default partition".into(), None, at));
        }
        if let Some(existing) = self.partitions.iter().find(|p| p.bound == BoundSpec::Default) {
            return Err(ddl_error(
                format!("partition \"{name}\" conflicts with existing default partition \"{}\"", existing.name),
                None,
                at,
            ));
        }
        Ok(())
    }

    fn check_range(&self, name: &str, from: &RangeEdge, to: &RangeEdge, at: usize) -> Result<(), SqlError> {
        if edge_cmp(from, to) != Ordering::Less {
            return Err(ddl_error(
                format!("empty range bound specified for partition \"{name}\""),
                Some(format!(
                    "Specified lower bound {} is greater than or equal to upper bound {}.",
                    edge_text(from),
                    edge_text(to)
                )),
                at,
            ));
        }
        for p in &self.partitions {
            if let BoundSpec::Range { from: f, to: t } = &p.bound {
                if edge_cmp(from, t) == Ordering::Less && edge_cmp(f, to) == Ordering::Less {
                    return Err(ddl_error(
                        format!("partition \"{name}\" would overlap partition \"{}\"", p.name),
                        None,
                        at,
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_list(&self, name: &str, values: &[Value], at: usize) -> Result<(), SqlError> {
        for p in &self.partitions {
            if let BoundSpec::List(existing) = &p.bound {
                let shared = values.iter().any(|v| existing.iter().any(|e| e.group_key() == v.group_key()));
                if shared {
                    return Err(ddl_error(
                        format!("partition \"{name}\" would overlap partition \"{}\"", p.name),
                        None,
                        at,
                    ));
                }
            }
        }
        Ok(())
    }

    /// partbounds.c's `check_new_partition_bound` for hash: the modulus must fit between its
    /// neighbours, then no remainder it covers may be taken. As PostgreSQL, only the overlap
    /// points at the bound (`at`); the modulus and remainder errors point nowhere.
    fn check_hash(&self, name: &str, modulus: i64, remainder: i64, at: usize) -> Result<(), SqlError> {
        if modulus <= 0 {
            return Err(ddl_error(
                "modulus for hash partition must be an integer value greater than zero".into(),
                None,
                0,
            ));
        }
        if remainder < 0 {
            return Err(ddl_error("remainder for hash partition must be a non-negative integer".into(), None, 0));
        }
        if remainder >= modulus {
            return Err(ddl_error("remainder for hash partition must be less than modulus".into(), None, 0));
        }
        let mut existing: Vec<(i64, i64, &str)> = self
            .partitions
            .iter()
            .filter_map(|p| match p.bound {
                BoundSpec::Hash { modulus, remainder } => Some((modulus, remainder, p.name.as_str())),
                _ => None,
            })
            .collect();
        if existing.is_empty() {
            return Ok(());
        }
        existing.sort();
        let offset = existing.iter().rposition(|&(m, r, _)| (m, r) <= (modulus, remainder));
        let factor = |next: (i64, i64, &str)| {
            (next.0 % modulus != 0).then(|| {
                format!(
                    "The new modulus {modulus} is not a factor of {}, the modulus of existing partition \"{}\".",
                    next.0, next.2
                )
            })
        };
        let problem = match offset {
            None => factor(existing[0]),
            Some(i) => {
                let previous = existing[i];
                if modulus % previous.0 != 0 {
                    Some(format!(
                        "The new modulus {modulus} is not divisible by {}, the modulus of existing partition \"{}\".",
                        previous.0, previous.2
                    ))
                } else {
                    existing.get(i + 1).and_then(|next| factor(*next))
                }
            }
        };
        if let Some(detail) = problem {
            return Err(ddl_error(
                "every hash partition modulus must be a factor of the next larger modulus".into(),
                Some(detail),
                0,
            ));
        }
        let greatest = existing.iter().map(|e| e.0).max().unwrap_or(modulus);
        let mut r = remainder % greatest;
        while r < greatest {
            if let Some(&(_, _, with)) = existing.iter().find(|&&(m, rem, _)| r % m == rem) {
                return Err(ddl_error(format!("partition \"{name}\" would overlap partition \"{with}\""), None, at));
            }
            r += modulus;
        }
        Ok(())
    }

    fn default_partition(&self) -> Option<usize> {
        self.partitions.iter().position(|p| p.bound == BoundSpec::Default)
    }

    fn holds(&self, bound: &BoundSpec, key: &Value) -> bool {
        match bound {
            BoundSpec::Default => false,
            BoundSpec::List(values) => values.iter().any(|v| v.group_key() == key.group_key()),
            BoundSpec::Range { from, to } => {
                !key.is_null()
                    && edge_cmp(from, &RangeEdge::Value(key.clone())) != Ordering::Greater
                    && edge_cmp(&RangeEdge::Value(key.clone()), to) == Ordering::Less
            }
            BoundSpec::Hash { modulus, remainder } => {
                partition_hash(key, self.def.columns[self.key_column].ty) % (*modulus as u64) == *remainder as u64
            }
        }
    }

    /// The partition a row with this key goes to, or PostgreSQL's refusal.
    pub fn route(&self, key: &Value) -> Result<usize, SqlError> {
        if let Some(i) = self.partitions.iter().position(|p| self.holds(&p.bound, key)) {
            return Ok(i);
        }
        self.default_partition().ok_or_else(|| {
            let shown = if key.is_null() { "null".to_string() } else { key.to_string() };
            SqlError::new(format!(
                "no partition of relation \"{}\" found for row\nDETAIL:  Partition key of the failing row contains ({}) = ({shown}).\nHINT:  Add a partition whose bounds hold this value, or a DEFAULT partition.",
                self.def.name,
                self.key_name()
            ))
        })
    }
}

/// Orders bounds: MINVALUE below every value, MAXVALUE above.
pub fn edge_cmp(a: &RangeEdge, b: &RangeEdge) -> Ordering {
    match (a, b) {
        (RangeEdge::MinValue, RangeEdge::MinValue) | (RangeEdge::MaxValue, RangeEdge::MaxValue) => Ordering::Equal,
        (RangeEdge::MinValue, _) | (_, RangeEdge::MaxValue) => Ordering::Less,
        (_, RangeEdge::MinValue) | (RangeEdge::MaxValue, _) => Ordering::Greater,
        (RangeEdge::Value(x), RangeEdge::Value(y)) => x.sort_cmp(y),
    }
}

/// A bound as PostgreSQL's DETAIL writes it: `('2025-03-01 00:00:00')`, `(MINVALUE)`.
fn edge_text(e: &RangeEdge) -> String {
    match e {
        RangeEdge::MinValue => "(MINVALUE)".into(),
        RangeEdge::MaxValue => "(MAXVALUE)".into(),
        RangeEdge::Value(Value::Text(s)) => format!("('{s}')"),
        RangeEdge::Value(v) => format!("({v})"),
    }
}

/// A partitioned layout: the DDL applied to the schema, table by table.
pub fn apply_ddl(statements: &[Ddl], schema: &[Rc<TableDef>]) -> Result<Vec<PartitionedTable>, SqlError> {
    let mut tables: Vec<PartitionedTable> = Vec::new();
    let mut names: Vec<String> = schema.iter().map(|t| t.name.clone()).collect();
    for statement in statements {
        match statement {
            Ddl::Partitioned { table, strategy, column, unique, not_null, at } => {
                let Some(def) = schema.iter().find(|t| &t.name == table) else {
                    return Err(ddl_error(
                        format!(
                            "this layout partitions the shop's own tables: \"{table}\" is not one of {}",
                            super::schema::TABLES.join(", ")
                        ),
                        None,
                        *at,
                    ));
                };
                if tables.iter().any(|t| &t.def.name == table) {
                    return Err(ddl_error(format!("relation \"{table}\" already exists"), None, 0));
                }
                let mut partitioned = PartitionedTable::new(def.clone(), *strategy, column, *at)?;
                partitioned.declare_key(unique)?;
                let guarded = not_null.iter().filter_map(|c| partitioned.def.column(c)).collect();
                partitioned.def = Rc::new(TableDef { not_null: guarded, ..(*partitioned.def).clone() });
                tables.push(partitioned);
            }
            Ddl::Partition { name, parent, bound, at } => {
                if names.contains(name) {
                    return Err(ddl_error(format!("relation \"{name}\" already exists"), None, 0));
                }
                let Some(table) = tables.iter_mut().find(|t| &t.def.name == parent) else {
                    let message = if schema.iter().any(|t| &t.name == parent) {
                        format!("\"{parent}\" is not partitioned: create it first with CREATE TABLE {parent} (...) PARTITION BY ...")
                    } else {
                        format!("relation \"{parent}\" does not exist")
                    };
                    return Err(ddl_error(message, None, 0));
                };
                table.add(name, bound.clone(), *at)?;
                names.push(name.clone());
            }
        }
    }
    Ok(tables)
}
