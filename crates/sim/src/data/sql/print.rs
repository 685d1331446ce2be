//! Writes statements back as SQL: what each shard receives, and the rewrite a vertical split
//! forces on the application. Parentheses appear only where precedence needs them, so that
//! `parse(print(s)) == s`.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;
use crate::data::value::{ArithOp, Value};

/// Binding strength, loosest first (PostgreSQL's order).
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Or(..) => 1,
        Expr::And(..) => 2,
        Expr::Not(..) => 3,
        Expr::IsNull { .. } | Expr::Between { .. } | Expr::InList { .. } | Expr::Compare(..) => 4,
        Expr::Arith(ArithOp::Add | ArithOp::Subtract, ..) => 5,
        Expr::Arith(..) => 6,
        Expr::Negate(_) => 7,
        _ => 8,
    }
}

struct Operand<'a>(&'a Expr, u8);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if precedence(self.0) < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

fn literal(f: &mut Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::Null => f.write_str("NULL"),
        Value::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
        Value::Text(s) => write!(f, "'{}'", s.replace('\'', "''")),
        other => write!(f, "{other}"),
    }
}

impl Display for ColumnRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.table {
            Some(t) => write!(f, "{t}.{}", self.column),
            None => f.write_str(&self.column),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let p = precedence(self);
        match self {
            Expr::Column(c) => write!(f, "{c}"),
            Expr::Literal(v) => literal(f, v),
            Expr::Negate(e) => write!(f, "-{}", Operand(e, p + 1)),
            // Left-associative: the right operand binds one level tighter.
            Expr::Arith(op, a, b) => write!(f, "{} {} {}", Operand(a, p), op.symbol(), Operand(b, p + 1)),
            Expr::Compare(op, a, b) => write!(f, "{} {} {}", Operand(a, 5), op.symbol(), Operand(b, 5)),
            Expr::And(a, b) => write!(f, "{} AND {}", Operand(a, p), Operand(b, p + 1)),
            Expr::Or(a, b) => write!(f, "{} OR {}", Operand(a, p), Operand(b, p + 1)),
            Expr::Not(e) => write!(f, "NOT {}", Operand(e, p)),
            Expr::IsNull { expr, negated } => {
                write!(f, "{} IS {}NULL", Operand(expr, 5), if *negated { "NOT " } else { "" })
            }
            Expr::Between { expr, low, high, negated } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{} {not}BETWEEN {} AND {}", Operand(expr, 5), Operand(low, 5), Operand(high, 5))
            }
            Expr::InList { expr, list, negated } => {
                write!(f, "{} {}IN (", Operand(expr, 5), if *negated { "NOT " } else { "" })?;
                comma_list(f, list)?;
                f.write_char(')')
            }
            Expr::Aggregate(function, None) => write!(f, "{}(*)", function.name().to_ascii_uppercase()),
            Expr::Aggregate(function, Some(arg)) => write!(f, "{}({arg})", function.name().to_ascii_uppercase()),
        }
    }
}

fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Wildcard(None) => f.write_char('*'),
            SelectItem::Wildcard(Some(table)) => write!(f, "{table}.*"),
            SelectItem::Expr { expr, alias: Some(a) } => write!(f, "{expr} AS {a}"),
            SelectItem::Expr { expr, alias: None } => write!(f, "{expr}"),
        }
    }
}

impl Display for TableRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.alias {
            Some(a) => write!(f, "{} AS {a}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl Display for OrderItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.expr, if self.descending { " DESC" } else { "" })
    }
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        comma_list(f, &self.items)?;
        write!(f, " FROM {}", self.from)?;
        for join in &self.joins {
            let kind = if join.kind == JoinKind::Left { "LEFT JOIN" } else { "JOIN" };
            write!(f, " {kind} {} ON {} = {}", join.table, join.on.0, join.on.1)?;
        }
        if let Some(filter) = &self.filter {
            write!(f, " WHERE {filter}")?;
        }
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            comma_list(f, &self.group_by)?;
        }
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            comma_list(f, &self.order_by)?;
        }
        if let Some(limit) = self.limit {
            write!(f, " LIMIT {limit}")?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Select(s) => write!(f, "{s}"),
            Statement::Explain(inner) => write!(f, "EXPLAIN {inner}"),
            Statement::Insert(i) => {
                write!(f, "INSERT INTO {}", i.table)?;
                if let Some(columns) = &i.columns {
                    write!(f, " ({})", columns.join(", "))?;
                }
                f.write_str(" VALUES ")?;
                for (n, row) in i.rows.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_char('(')?;
                    comma_list(f, row)?;
                    f.write_char(')')?;
                }
                Ok(())
            }
            Statement::Update(u) => {
                write!(f, "UPDATE {}", u.table)?;
                if let Some(alias) = &u.alias {
                    write!(f, " AS {alias}")?;
                }
                f.write_str(" SET ")?;
                for (n, (column, value)) in u.assignments.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{column} = {value}")?;
                }
                if let Some(filter) = &u.filter {
                    write!(f, " WHERE {filter}")?;
                }
                Ok(())
            }
            Statement::Delete(d) => {
                write!(f, "DELETE FROM {}", d.table)?;
                if let Some(alias) = &d.alias {
                    write!(f, " AS {alias}")?;
                }
                if let Some(filter) = &d.filter {
                    write!(f, " WHERE {filter}")?;
                }
                Ok(())
            }
        }
    }
}
