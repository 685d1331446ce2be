//! Declarative partitioning as PostgreSQL 17 does it (its rules have not changed since 11):
//! RANGE bounds include FROM and exclude TO, a row that fits no partition and finds no DEFAULT
//! is refused, hash moduli must each divide the next larger one, and pruning (`pruning`) reads
//! only the partition key's conditions (hash partitions prune on equality and IS NULL only).
//! The messages are PostgreSQL's, checked against PostgreSQL 17.10 and 15.18 servers.

use std::cmp::Ordering;
use std::rc::Rc;

use super::exec::{assigned, types::SqlType};
use super::pg_hash::partition_hash;
use super::schema::TableDef;
use super::sql::ast::{BoundSpec, Ddl, Expr, PartitionStrategy, RangeEdge, UniqueKey, WrittenBound};
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
    pub fn add(&mut self, name: &str, bound: &WrittenBound, at: usize) -> Result<(), SqlError> {
        let bound = self.transformed(bound, at)?;
        match &bound {
            BoundSpec::Default => self.check_default(name, at)?,
            BoundSpec::Range { from, to } => self.check_range(name, from, to, at)?,
            BoundSpec::List(values) => self.check_list(name, values, at)?,
            BoundSpec::Hash { modulus, remainder } => self.check_hash(name, *modulus, *remainder, at)?,
        }
        self.partitions.push(Partition { name: name.to_string(), bound });
        Ok(())
    }

    /// parse_utilcmd.c's `transformPartitionBound`, in its order: the bound's kind against the
    /// table's strategy, then its values, each cast to the key's type.
    fn transformed(&self, bound: &WrittenBound, at: usize) -> Result<BoundSpec, SqlError> {
        let kind_matches = matches!(
            (bound, self.strategy),
            (WrittenBound::Default, _)
                | (WrittenBound::Range { .. }, PartitionStrategy::Range)
                | (WrittenBound::List(_), PartitionStrategy::List)
                | (WrittenBound::Hash { .. }, PartitionStrategy::Hash)
        );
        if !kind_matches {
            return Err(ddl_error(
                format!("invalid bound specification for a {} partition", self.strategy.name()),
                None,
                at,
            ));
        }
        Ok(match bound {
            WrittenBound::Default => BoundSpec::Default,
            WrittenBound::Hash { modulus, remainder } => BoundSpec::Hash { modulus: *modulus, remainder: *remainder },
            WrittenBound::List(values) => {
                let mut list: Vec<Value> = Vec::with_capacity(values.len());
                for written in values {
                    let value = self.bound_value(written)?;
                    // a value written twice is kept once, as PostgreSQL keeps it
                    if !list.iter().any(|v| v.group_key() == value.group_key()) {
                        list.push(value);
                    }
                }
                BoundSpec::List(list)
            }
            WrittenBound::Range { from, to } => {
                // One key column (a wider key is refused at PARTITION BY), so one value each.
                for (edge, word) in [(from, "FROM"), (to, "TO")] {
                    if edge.len() != 1 {
                        let message = format!("{word} must specify exactly one value per partitioning column");
                        return Err(ddl_error(message, None, 0));
                    }
                }
                BoundSpec::Range { from: self.range_edge(&from[0])?, to: self.range_edge(&to[0])? }
            }
        })
    }

    /// `transformPartitionRangeBounds`: MINVALUE and MAXVALUE are the column names `minvalue`
    /// and `maxvalue` written alone; any other value is a bound value, and not NULL.
    fn range_edge(&self, written: &(Expr, usize)) -> Result<RangeEdge, SqlError> {
        match &written.0 {
            Expr::Column(c) if c.table.is_none() && c.column == "minvalue" => Ok(RangeEdge::MinValue),
            Expr::Column(c) if c.table.is_none() && c.column == "maxvalue" => Ok(RangeEdge::MaxValue),
            _ => match self.bound_value(written)? {
                Value::Null => Err(ddl_error("cannot specify NULL in range bound".into(), None, 0)),
                value => Ok(RangeEdge::Value(value)),
            },
        }
    }

    /// `transformPartitionBoundValue`: no column, a cast to the key's type that PostgreSQL
    /// allows in an assignment, then the value computed. PostgreSQL takes any constant
    /// expression; this console takes constants and arithmetic on numbers.
    fn bound_value(&self, (expr, at): &(Expr, usize)) -> Result<Value, SqlError> {
        let at_bound = |message: String| SqlError { position: *at, message };
        let mut reads_column = false;
        expr.walk(&mut |e| reads_column |= matches!(e, Expr::Column(_)));
        if reads_column {
            return Err(at_bound("cannot use column reference in partition bound expression".into()));
        }
        if expr.has_aggregate() {
            return Err(at_bound("aggregate functions are not allowed in partition bound".into()));
        }
        let column = &self.def.columns[self.key_column];
        let cast_refused = || {
            at_bound(format!(
                "specified value cannot be cast to type {} for column \"{}\"",
                SqlType::of_column(column.ty).name(),
                column.name
            ))
        };
        let value = match expr {
            Expr::Literal(value) => value.clone(),
            arithmetic => {
                let folded = arithmetic.folded_number().ok_or_else(|| {
                    at_bound(
                        "a partition bound here is a constant, or arithmetic on numbers: write the value itself".into(),
                    )
                })?;
                // The cast is judged by the type before the value is computed, and every
                // number casts as any other does.
                if assigned(column, Value::Int(0)).is_none() {
                    return Err(cast_refused());
                }
                // computed after analysis, so PostgreSQL's error points nowhere
                folded.map_err(|e| SqlError::new(e.message))?
            }
        };
        // A quoted constant is read by the type's input function while the bound is analysed,
        // so PostgreSQL points its errors at the value; a number's cast runs later.
        let quoted = matches!(value, Value::Text(_));
        let stored = assigned(column, value).ok_or_else(cast_refused)?;
        stored.map_err(|e| if quoted { at_bound(e.message) } else { SqlError::new(e.message) })
    }

    fn check_default(&self, name: &str, at: usize) -> Result<(), SqlError> {
        if self.strategy == PartitionStrategy::Hash {
            return Err(ddl_error("a hash-partitioned table may not have a default partition".into(), None, 0));
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
        // PostgreSQL names the first partition in bound order that the new one overlaps.
        let overlapped = self
            .partitions
            .iter()
            .filter_map(|p| match &p.bound {
                BoundSpec::Range { from: f, to: t } => Some((f, t, &p.name)),
                _ => None,
            })
            .filter(|(f, t, _)| edge_cmp(from, t) == Ordering::Less && edge_cmp(f, to) == Ordering::Less)
            .min_by(|a, b| edge_cmp(a.0, b.0));
        match overlapped {
            Some((_, _, with)) => Err(overlap_error(name, with, at)),
            None => Ok(()),
        }
    }

    fn check_list(&self, name: &str, values: &[Value], at: usize) -> Result<(), SqlError> {
        // PostgreSQL names the partition that holds the first of the new values already held.
        for value in values {
            let holder = self.partitions.iter().find(|p| match &p.bound {
                BoundSpec::List(existing) => existing.iter().any(|e| e.group_key() == value.group_key()),
                _ => false,
            });
            if let Some(holder) = holder {
                return Err(overlap_error(name, &holder.name, at));
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
                return Err(overlap_error(name, with, at));
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

fn overlap_error(name: &str, with: &str, at: usize) -> SqlError {
    ddl_error(format!("partition \"{name}\" would overlap partition \"{with}\""), None, at)
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

/// A bound as PostgreSQL's DETAIL writes it (ruleutils.c's `get_range_partbound_string`):
/// `(MINVALUE)`, or the value quoted as a literal, which is how it prints a bigint, a text and
/// a timestamp alike: `('1')`, `('o''b')`, `('2025-03-01 00:00:00')`.
fn edge_text(e: &RangeEdge) -> String {
    match e {
        RangeEdge::MinValue => "(MINVALUE)".into(),
        RangeEdge::MaxValue => "(MAXVALUE)".into(),
        RangeEdge::Value(v) => format!("('{}')", v.to_string().replace('\'', "''")),
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
                        format!("\"{parent}\" is not partitioned\nHINT:  Create it first with CREATE TABLE {parent} (…) PARTITION BY ….")
                    } else {
                        format!("relation \"{parent}\" does not exist")
                    };
                    return Err(ddl_error(message, None, 0));
                };
                table.add(name, bound, *at)?;
                names.push(name.clone());
            }
        }
    }
    Ok(tables)
}
