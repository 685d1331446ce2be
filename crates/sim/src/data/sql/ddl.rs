//! PostgreSQL's partitioning DDL, the subset a layout is typed in: `CREATE TABLE t (…)
//! PARTITION BY RANGE|LIST|HASH (col)` and `CREATE TABLE p PARTITION OF t FOR VALUES …`.
//! PostgreSQL's rules for what it says live in `data::partition`.

use super::ast::*;
use super::error::SqlError;
use super::lexer::{lex, Token};
use super::parser::Parser;
use crate::data::value::Value;

/// Parses a layout: PostgreSQL partitioning DDL, statements separated by semicolons.
pub fn parse_ddl(text: &str) -> Result<Vec<Ddl>, SqlError> {
    let mut out = Vec::new();
    let mut offset = 0;
    for statement in split_statements(text) {
        let start = offset;
        offset += statement.chars().count() + 1;
        if statement.trim().is_empty() {
            continue;
        }
        let mut parser = Parser { tokens: lex(statement)?, pos: 0 };
        let mut ddl = parser.ddl().map_err(|mut e| {
            if e.position > 0 {
                e.position += start;
            }
            e
        })?;
        // Positions count from the start of the whole layout, as its errors show them.
        match &mut ddl {
            Ddl::Partitioned { at, .. } | Ddl::Partition { at, .. } => *at += start,
        }
        if parser.peek() != &Token::End {
            let mut e = parser.error("a semicolon between statements");
            e.position += start;
            return Err(e);
        }
        out.push(ddl);
    }
    Ok(out)
}

/// Splits at semicolons outside quotes.
fn split_statements(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ';' => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

impl Parser {
    fn ddl(&mut self) -> Result<Ddl, SqlError> {
        self.expect_keyword("create", "CREATE TABLE")?;
        self.expect_keyword("table", "TABLE after CREATE")?;
        let name = self.identifier("a table name")?;
        if self.eat_keyword("partition") {
            self.expect_keyword("of", "OF after PARTITION")?;
            let parent = self.identifier("the partitioned table's name after PARTITION OF")?;
            // PostgreSQL points its bound errors at DEFAULT, or at the IN, FROM or WITH after
            // FOR VALUES.
            let mut at = self.tokens[self.pos].at;
            let bound = if self.eat_keyword("default") {
                BoundSpec::Default
            } else {
                self.expect_keyword("for", "FOR VALUES or DEFAULT")?;
                self.expect_keyword("values", "VALUES after FOR")?;
                at = self.tokens[self.pos].at;
                self.bound_spec()?
            };
            return Ok(Ddl::Partition { name, parent, bound, at });
        }
        self.expect_symbol("(", "( and the table's columns, or PARTITION OF")?;
        let (unique, not_null) = self.constraints()?;
        self.expect_keyword("partition", "PARTITION BY after the column list (this layout only partitions tables)")?;
        self.expect_keyword("by", "BY after PARTITION")?;
        let strategy = if self.eat_keyword("range") {
            PartitionStrategy::Range
        } else if self.eat_keyword("list") {
            PartitionStrategy::List
        } else if self.eat_keyword("hash") {
            PartitionStrategy::Hash
        } else {
            return Err(self.error("RANGE, LIST or HASH"));
        };
        self.expect_symbol("(", "( and the partition key column")?;
        let at = self.tokens[self.pos].at;
        let column = self.identifier("the partition key column")?;
        if self.eat_symbol(",") {
            return Err(self.error(") : this console partitions by one column"));
        }
        self.expect_symbol(")", ") after the partition key column")?;
        Ok(Ddl::Partitioned { table: name, strategy, column, unique, not_null, at })
    }

    /// Reads a column list up to its closing parenthesis for the constraints in it: PRIMARY KEY
    /// and UNIQUE, on a column (`id bigint PRIMARY KEY`) or on the table (`[CONSTRAINT name]
    /// PRIMARY KEY (id, created_at)`), and the columns declared NOT NULL; the rest of each entry
    /// is passed over.
    fn constraints(&mut self) -> Result<(Vec<UniqueKey>, Vec<String>), SqlError> {
        let mut keys = Vec::new();
        let mut not_null = Vec::new();
        loop {
            if self.eat_keyword("constraint") {
                self.identifier("the constraint's name after CONSTRAINT")?;
            }
            let element_start = self.pos;
            let mut depth = 0;
            loop {
                let at_top = depth == 0;
                let kind_start = self.pos;
                let kind = if at_top && self.eat_keyword("primary") {
                    self.expect_keyword("key", "KEY after PRIMARY")?;
                    Some("PRIMARY KEY")
                } else if at_top && self.eat_keyword("unique") {
                    Some("UNIQUE")
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let columns = if self.eat_symbol("(") {
                        let mut columns = vec![self.identifier("a column of the key")?];
                        while self.eat_symbol(",") {
                            columns.push(self.identifier("a column of the key")?);
                        }
                        self.expect_symbol(")", ") after the key's columns")?;
                        columns
                    } else if kind_start > element_start {
                        // on a column: the entry's first word is the column's name
                        match &self.tokens[element_start].token {
                            Token::Word { text, .. } => vec![text.clone()],
                            _ => return Err(self.error("a column name")),
                        }
                    } else {
                        return Err(self.error("( and the key's columns"));
                    };
                    keys.push(UniqueKey { kind, columns });
                    continue;
                }
                if at_top && kind_start > element_start && self.eat_keyword("not") {
                    self.expect_keyword("null", "NULL after NOT")?;
                    if let Token::Word { text, .. } = &self.tokens[element_start].token {
                        not_null.push(text.clone());
                    }
                    continue;
                }
                match self.advance().token {
                    Token::Symbol("(") => depth += 1,
                    Token::Symbol(")") if depth == 0 => return Ok((keys, not_null)),
                    Token::Symbol(")") => depth -= 1,
                    Token::Symbol(",") if depth == 0 => break,
                    Token::End => return Err(self.error(") to close the column list")),
                    _ => {}
                }
            }
        }
    }

    fn bound_spec(&mut self) -> Result<BoundSpec, SqlError> {
        if self.eat_keyword("from") {
            let from = self.range_edge()?;
            self.expect_keyword("to", "TO and the upper bound")?;
            let to = self.range_edge()?;
            return Ok(BoundSpec::Range { from, to });
        }
        if self.eat_keyword("in") {
            self.expect_symbol("(", "( and the list of values")?;
            let mut values = vec![self.bound_literal()?];
            while self.eat_symbol(",") {
                values.push(self.bound_literal()?);
            }
            self.expect_symbol(")", ") or a comma in the list")?;
            return Ok(BoundSpec::List(values));
        }
        if self.eat_keyword("with") {
            self.expect_symbol("(", "( MODULUS m, REMAINDER r )")?;
            self.expect_keyword("modulus", "MODULUS")?;
            let modulus = self.whole("the modulus, a whole number")?;
            self.expect_symbol(",", ", REMAINDER r")?;
            self.expect_keyword("remainder", "REMAINDER")?;
            let remainder = self.whole("the remainder, a whole number")?;
            self.expect_symbol(")", ") after the remainder")?;
            return Ok(BoundSpec::Hash { modulus, remainder });
        }
        Err(self.error("FROM (…) TO (…), IN (…) or WITH (MODULUS m, REMAINDER r)"))
    }

    /// An unsigned integer constant, as PostgreSQL's grammar takes MODULUS and REMAINDER.
    fn whole(&mut self, expected: &str) -> Result<i64, SqlError> {
        let v = self.count(expected)?;
        i64::try_from(v).map_err(|_| self.error(expected))
    }

    fn range_edge(&mut self) -> Result<RangeEdge, SqlError> {
        self.expect_symbol("(", "( and a bound value")?;
        let edge = if self.eat_keyword("minvalue") {
            RangeEdge::MinValue
        } else if self.eat_keyword("maxvalue") {
            RangeEdge::MaxValue
        } else {
            RangeEdge::Value(self.bound_literal()?)
        };
        if self.eat_symbol(",") {
            return Err(self.error(") : this console partitions by one column"));
        }
        self.expect_symbol(")", ") after the bound value")?;
        Ok(edge)
    }

    fn bound_literal(&mut self) -> Result<Value, SqlError> {
        match self.unary()? {
            Expr::Literal(v) => Ok(v),
            _ => Err(self.error("a constant (a number or a quoted string)")),
        }
    }
}
