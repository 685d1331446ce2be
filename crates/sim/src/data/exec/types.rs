//! SQL's static types, checked before a statement runs, as PostgreSQL checks them while it
//! analyses the statement: `name + 1` is refused whether or not any row would reach it, and
//! each message names the types as PostgreSQL does (`text + integer`, `timestamp without time
//! zone`). Running the statement then meets only errors of values (overflow, division by zero,
//! a text that is no number).

use std::rc::Rc;

use super::bind::Scope;
use crate::data::schema::{ColumnDef, ColumnType, TableDef};
use crate::data::sql::ast::{Aggregate, ColumnRef, Delete, Expr, Select, SelectItem, Statement, Update};
use crate::data::sql::SqlError;
use crate::data::value::{ArithOp, Value};

/// The types of the subset, with PostgreSQL's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    Boolean,
    /// an integer constant that fits 32 bits
    Integer,
    BigInt,
    Numeric,
    Text,
    Timestamp,
    /// a quoted constant or NULL: it takes the type of what it meets
    Unknown,
}

impl SqlType {
    pub fn name(self) -> &'static str {
        match self {
            SqlType::Boolean => "boolean",
            SqlType::Integer => "integer",
            SqlType::BigInt => "bigint",
            SqlType::Numeric => "numeric",
            SqlType::Text => "text",
            SqlType::Timestamp => "timestamp without time zone",
            SqlType::Unknown => "unknown",
        }
    }

    /// A constant's type: an integer is `integer` while it fits 32 bits, then `bigint`.
    pub fn of_literal(value: &Value) -> SqlType {
        match value {
            Value::Null | Value::Text(_) => SqlType::Unknown,
            Value::Bool(_) => SqlType::Boolean,
            Value::Int(v) if i32::try_from(*v).is_ok() => SqlType::Integer,
            Value::Int(_) => SqlType::BigInt,
            Value::Decimal(_) => SqlType::Numeric,
        }
    }

    pub fn of_column(ty: ColumnType) -> SqlType {
        match ty {
            ColumnType::BigInt => SqlType::BigInt,
            ColumnType::Text => SqlType::Text,
            ColumnType::Timestamp => SqlType::Timestamp,
        }
    }

    fn is_number(self) -> bool {
        matches!(self, SqlType::Integer | SqlType::BigInt | SqlType::Numeric)
    }

    /// Types that compare with each other: numbers among themselves, else only alike; an
    /// unknown constant is read as the other side's type.
    fn compares_with(self, other: SqlType) -> bool {
        self == other
            || self == SqlType::Unknown
            || other == SqlType::Unknown
            || (self.is_number() && other.is_number())
    }
}

/// Checks a SELECT's names and types against its FROM and JOIN tables (`Scope::of_query`), in
/// the order of PostgreSQL's `transformSelectStmt`, so that of two mistakes the one it reports
/// is reported: the JOIN's ON (part of FROM), the SELECT list, WHERE, then ORDER BY and GROUP
/// BY, whose bare names may name an output and are left to the binder.
pub fn check_select(query: &Select, scope: &Scope) -> Result<(), SqlError> {
    let checker = Checker { scope, names: Names::MustResolve };
    for join in &query.joins {
        checker.comparison(&Expr::Column(join.on.0.clone()), "=", &Expr::Column(join.on.1.clone()))?;
    }
    for item in &query.items {
        match item {
            SelectItem::Expr { expr, .. } => {
                checker.type_of(expr)?;
            }
            // `t.*` names a FROM entry: resolving any column by it says whether it is one.
            SelectItem::Wildcard(Some(table)) if !scope.tables.iter().any(|t| t.reference == *table) => {
                scope.resolve(&ColumnRef { table: Some(table.clone()), column: String::new() })?;
            }
            SelectItem::Wildcard(_) => {}
        }
    }
    if let Some(filter) = &query.filter {
        checker.condition(filter, "WHERE")?;
    }
    // ORDER BY, then GROUP BY: a position or a bare name may name an output (`order_position`,
    // `resolve_group_by`); anything else reads the FROM tables.
    if !query.order_by.is_empty() {
        let (names, items) = super::output_items(query, scope);
        for order in &query.order_by {
            if super::order_position(&order.expr, &names, &items)?.is_none() {
                checker.type_of(&order.expr)?;
            }
        }
    }
    let outputs = Checker { scope, names: Names::MayNameAnOutput };
    for key in &query.group_by {
        outputs.type_of(key)?;
    }
    Ok(())
}

/// Checks an UPDATE (`check_update`) or a DELETE's WHERE.
pub fn check_write(def: Rc<TableDef>, statement: &Statement) -> Result<(), SqlError> {
    match statement {
        Statement::Update(update) => check_update(def, update),
        Statement::Delete(Delete { filter: Some(filter), .. }) => {
            let scope = super::single_scope(&def.name.clone(), def);
            Checker { scope: &scope, names: Names::MustResolve }.condition(filter, "WHERE")
        }
        _ => Ok(()),
    }
}

/// An UPDATE or DELETE that names its table by an alias (`UPDATE users u SET … WHERE u.id = 1`),
/// with each column read by the alias qualified by the table's own name instead, so that what
/// runs it, and the SQL shown for it, need no alias; `None` when it has none. Names are
/// resolved as PostgreSQL resolves them, the WHERE first: `users.id` is refused once the table
/// has an alias.
pub fn unaliased(def: &Rc<TableDef>, statement: &Statement) -> Result<Option<Statement>, SqlError> {
    let mut out = statement.clone();
    let (alias, exprs): (_, Vec<&mut Expr>) = match &mut out {
        Statement::Update(u) => {
            (u.alias.take(), u.filter.iter_mut().chain(u.assignments.iter_mut().map(|(_, e)| e)).collect())
        }
        Statement::Delete(d) => (d.alias.take(), d.filter.iter_mut().collect()),
        _ => return Ok(None),
    };
    let Some(alias) = alias else { return Ok(None) };
    let scope = super::single_scope(&alias, def.clone());
    let mut refused = None;
    for expr in exprs {
        expr.map_columns(&mut |column| {
            if refused.is_none() {
                match scope.resolve(column) {
                    Ok(_) if column.table.is_some() => column.table = Some(def.name.clone()),
                    Ok(_) => {}
                    Err(e) => refused = Some(e),
                }
            }
        });
    }
    refused.map_or(Ok(Some(out)), Err)
}

/// Checks an UPDATE in PostgreSQL's order of analysis: its WHERE, then each SET in turn (the
/// column exists, the expression's types, and that its value can be stored in the column; a
/// constant is converted to the column here, as PostgreSQL reads a quoted constant and folds
/// constants before anything runs), then that no column is set twice.
fn check_update(def: Rc<TableDef>, update: &Update) -> Result<(), SqlError> {
    let scope = super::single_scope(&def.name.clone(), def.clone());
    let checker = Checker { scope: &scope, names: Names::MustResolve };
    if let Some(filter) = &update.filter {
        checker.condition(filter, "WHERE")?;
        scope.coerce_literals(filter)?;
    }
    let mut set = Vec::with_capacity(update.assignments.len());
    for (column, expr) in &update.assignments {
        let c = target_column(&def, column)?;
        let ty = checker.type_of(expr)?;
        if !assignable(def.columns[c].ty, ty) {
            return Err(assignment_error(&def.columns[c], ty));
        }
        if super::references(&scope, expr).is_some_and(|tables| tables.is_empty()) {
            let value = scope.bind(expr, "UPDATE")?.eval(&[], &[]).map_err(SqlError::new)?;
            super::write::typed(&def.columns[c], value)?;
        }
        set.push(c);
    }
    if let Some((i, _)) = set.iter().enumerate().find(|(i, c)| set[..*i].contains(c)) {
        return Err(SqlError::new(format!("multiple assignments to same column \"{}\"", update.assignments[i].0)));
    }
    Ok(())
}

/// A column an INSERT or UPDATE writes, by name.
pub fn target_column(def: &TableDef, name: &str) -> Result<usize, SqlError> {
    def.column(name)
        .ok_or_else(|| SqlError::new(format!("column \"{name}\" of relation \"{}\" does not exist", def.name)))
}

/// Whether a value of type `ty` may be stored in a column of type `column` (PostgreSQL's
/// assignment casts): numbers into bigint (rounded), anything into text, a quoted constant
/// into anything (read as the column's type).
pub(super) fn assignable(column: ColumnType, ty: SqlType) -> bool {
    ty == SqlType::Unknown
        || match column {
            ColumnType::BigInt => ty.is_number(),
            ColumnType::Text => true,
            ColumnType::Timestamp => ty == SqlType::Timestamp,
        }
}

/// PostgreSQL's refusal to store a value of type `ty` in `column`.
pub fn assignment_error(column: &ColumnDef, ty: SqlType) -> SqlError {
    SqlError::new(format!(
        "column \"{}\" is of type {} but expression is of type {}",
        column.name,
        SqlType::of_column(column.ty).name(),
        ty.name()
    ))
}

/// An expression's type in `scope` (an output's alias, which only the binder knows, is unknown).
pub fn expr_type(scope: &Scope, expr: &Expr) -> Result<SqlType, SqlError> {
    Checker { scope, names: Names::MayNameAnOutput }.type_of(expr)
}

struct Checker<'s> {
    scope: &'s Scope,
    names: Names,
}

/// Whether a column name that is not in the FROM tables is refused where it stands, or may be an
/// output's name (ORDER BY, GROUP BY), which only the binder knows.
#[derive(Clone, Copy, PartialEq)]
enum Names {
    MustResolve,
    MayNameAnOutput,
}

impl Checker<'_> {
    /// A condition (`WHERE`, `AND`…) must be boolean.
    fn condition(&self, expr: &Expr, context: &str) -> Result<(), SqlError> {
        let ty = self.type_of(expr)?;
        if matches!(ty, SqlType::Boolean | SqlType::Unknown) {
            return Ok(());
        }
        Err(SqlError::new(format!("argument of {context} must be type boolean, not type {}", ty.name())))
    }

    fn type_of(&self, expr: &Expr) -> Result<SqlType, SqlError> {
        Ok(match expr {
            Expr::Literal(v) => SqlType::of_literal(v),
            // An unknown name, or an output's alias in ORDER BY: the binder decides.
            Expr::Column(c) => match self.scope.resolve(c) {
                Ok((position, _)) => SqlType::of_column(self.scope.column_type(position)),
                Err(e) if self.names == Names::MustResolve => return Err(e),
                Err(_) => SqlType::Unknown,
            },
            Expr::Negate(e) => match self.type_of(e)? {
                t if t.is_number() => fold_constant(expr, t)?,
                SqlType::Unknown => {
                    return Err(not_unique("operator is not unique: - unknown".into(), "Write the number unquoted."))
                }
                t => return Err(no_operator(format!("operator does not exist: - {}", t.name()), false)),
            },
            Expr::Arith(op, a, b) => {
                let (ta, tb) = (self.type_of(a)?, self.type_of(b)?);
                let ty = arithmetic(*op, ta, tb)?;
                self.read_quoted(a, tb, op.symbol())?;
                self.read_quoted(b, ta, op.symbol())?;
                fold_constant(expr, ty)?
            }
            Expr::Compare(op, a, b) => {
                self.comparison(a, op.symbol(), b)?;
                SqlType::Boolean
            }
            Expr::And(a, b) | Expr::Or(a, b) => {
                let context = if matches!(expr, Expr::And(..)) { "AND" } else { "OR" };
                self.condition(a, context)?;
                self.condition(b, context)?;
                SqlType::Boolean
            }
            Expr::Not(e) => {
                self.condition(e, "NOT")?;
                SqlType::Boolean
            }
            Expr::IsNull { expr, .. } => {
                self.type_of(expr)?;
                SqlType::Boolean
            }
            Expr::Between { expr, low, high, .. } => {
                self.comparison(expr, ">=", low)?;
                self.comparison(expr, "<=", high)?;
                SqlType::Boolean
            }
            Expr::InList { expr, list, .. } => {
                for item in list {
                    self.comparison(expr, "=", item)?;
                }
                SqlType::Boolean
            }
            Expr::Aggregate(function, argument) => {
                let Some(argument) = argument else { return Ok(SqlType::BigInt) };
                aggregate(*function, self.type_of(argument)?)?
            }
        })
    }

    /// A quoted constant beside a bigint or a timestamp is read as one where the operator meets
    /// it, as PostgreSQL's operator lookup reads it, so a bad one is refused at this point of
    /// the analysis.
    fn read_quoted(&self, side: &Expr, other: SqlType, op: &str) -> Result<(), SqlError> {
        let column_type = match other {
            SqlType::BigInt => ColumnType::BigInt,
            SqlType::Timestamp => ColumnType::Timestamp,
            _ => return Ok(()),
        };
        if let Expr::Literal(v @ Value::Text(_)) = side {
            super::coerce_value(column_type, v.clone(), op)?;
        }
        Ok(())
    }

    /// Two sides that must compare; a number constant beside a text or a time is told to be
    /// quoted, as the console's constants are read (`coerce_value`).
    fn comparison(&self, a: &Expr, op: &str, b: &Expr) -> Result<(), SqlError> {
        let (ta, tb) = (self.type_of(a)?, self.type_of(b)?);
        if ta.compares_with(tb) {
            self.read_quoted(a, tb, op)?;
            self.read_quoted(b, ta, op)?;
            return Ok(());
        }
        let constant = |e: &Expr, t: SqlType| t.is_number() && matches!(e, Expr::Literal(_));
        let quote = constant(a, ta) || constant(b, tb);
        Err(no_operator(format!("operator does not exist: {} {op} {}", ta.name(), tb.name()), quote))
    }
}

/// PostgreSQL's refusal of an operator for its operand types, with its hint; `quote` adds ours
/// when a number constant meets a text or a time (the console reads a quoted constant as its
/// column's type).
pub fn no_operator(message: String, quote: bool) -> SqlError {
    let hint = "No operator matches the given name and argument types. You might need to add explicit type casts.";
    match quote {
        true => SqlError::hinted(message, &format!("{hint} Here, put the value in single quotes.")),
        false => SqlError::hinted(message, hint),
    }
}

/// PostgreSQL's refusal of an operator on quoted constants, whose type it cannot choose, with
/// its hint and ours.
fn not_unique(message: String, ours: &str) -> SqlError {
    let hint = "Could not choose a best candidate operator. You might need to add explicit type casts.";
    SqlError::hinted(message, &format!("{hint} {ours}"))
}

/// `+ - * / %`: numbers only; the wider of the two types (an unknown constant takes the other's).
fn arithmetic(op: ArithOp, a: SqlType, b: SqlType) -> Result<SqlType, SqlError> {
    let symbol = op.symbol();
    match (a, b) {
        (SqlType::Unknown, SqlType::Unknown) => {
            Err(not_unique(format!("operator is not unique: unknown {symbol} unknown"), "Write the numbers unquoted."))
        }
        (SqlType::Timestamp, SqlType::Timestamp | SqlType::Unknown) if op == ArithOp::Subtract => Err(SqlError::new(
            "timestamp - timestamp is an interval, which is PostgreSQL, but not in the subset of SQL this console runs",
        )),
        (t, SqlType::Unknown) | (SqlType::Unknown, t) if t.is_number() => Ok(t),
        (a, b) if a.is_number() && b.is_number() => Ok([SqlType::Numeric, SqlType::BigInt, SqlType::Integer]
            .into_iter()
            .find(|wide| a == *wide || b == *wide)
            .unwrap_or(SqlType::Integer)),
        (a, b) => Err(no_operator(format!("operator does not exist: {} {symbol} {}", a.name(), b.name()), false)),
    }
}

/// Computes a number expression of constants alone before the statement runs, as PostgreSQL's
/// planner folds it, so that `2147483647 + 1` or `1.0 / 0` is refused even where no row is read.
/// Gives back the expression's type.
fn fold_constant(expr: &Expr, ty: SqlType) -> Result<SqlType, SqlError> {
    if ty == SqlType::Integer {
        expr.integer_constant().transpose()?;
    } else {
        expr.number_constant().transpose()?;
    }
    Ok(ty)
}

/// An aggregate's result type, or PostgreSQL's refusal of its argument's type.
fn aggregate(function: Aggregate, argument: SqlType) -> Result<SqlType, SqlError> {
    let name = match function {
        Aggregate::Count => return Ok(SqlType::BigInt),
        Aggregate::Sum => "sum",
        Aggregate::Avg => "avg",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
    };
    // A quoted constant or NULL could be any of sum's and avg's argument types (numbers,
    // money, interval), and PostgreSQL will not guess; min and max read it as text.
    if argument == SqlType::Unknown && matches!(function, Aggregate::Sum | Aggregate::Avg) {
        return Err(SqlError::new(format!("function {name}(unknown) is not unique")));
    }
    let accepted = match function {
        Aggregate::Sum | Aggregate::Avg => argument.is_number(),
        _ => argument != SqlType::Boolean,
    };
    if !accepted {
        return Err(SqlError::new(format!("function {name}({}) does not exist", argument.name())));
    }
    Ok(match (function, argument) {
        (Aggregate::Sum, SqlType::Integer) => SqlType::BigInt,
        (Aggregate::Sum | Aggregate::Avg, _) => SqlType::Numeric,
        (_, t) => t,
    })
}
