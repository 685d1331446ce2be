//! PostgreSQL's partitioning DDL, the subset a layout is typed in: `CREATE TABLE t (…)
//! PARTITION BY RANGE|LIST|HASH (col)` and `CREATE TABLE p PARTITION OF t FOR VALUES …`.
//! PostgreSQL's rules for what it says live in `data::partition`.

use super::ast::*;
use super::error::SqlError;
use super::lexer::{lex, Token};
use super::parser::Parser;

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
            Ddl::Partitioned { at, .. } => *at += start,
            Ddl::Partition { at, bound, .. } => {
                *at += start;
                let values: Vec<&mut (Expr, usize)> = match bound {
                    WrittenBound::Range { from, to } => from.iter_mut().chain(to.iter_mut()).collect(),
                    WrittenBound::List(values) => values.iter_mut().collect(),
                    WrittenBound::Hash { .. } | WrittenBound::Default => Vec::new(),
                };
                values.into_iter().for_each(|(_, at)| *at += start);
            }
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
                WrittenBound::Default
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
        if strategy == PartitionStrategy::List && matches!(self.peek(), Token::Symbol(",")) {
            return Err(SqlError::new("cannot use \"list\" partition strategy with more than one column"));
        }
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

    /// `FOR VALUES …` as PostgreSQL's grammar reads it; `data::partition` checks the values.
    fn bound_spec(&mut self) -> Result<WrittenBound, SqlError> {
        if self.eat_keyword("from") {
            let from = self.bound_list()?;
            self.expect_keyword("to", "TO and the upper bound")?;
            let to = self.bound_list()?;
            return Ok(WrittenBound::Range { from, to });
        }
        if self.eat_keyword("in") {
            return Ok(WrittenBound::List(self.bound_list()?));
        }
        if self.eat_keyword("with") {
            return self.hash_bound();
        }
        Err(self.error("FROM (…) TO (…), IN (…) or WITH (MODULUS m, REMAINDER r)"))
    }

    /// `( expr [, …] )`, each expression with where it starts.
    fn bound_list(&mut self) -> Result<Vec<(Expr, usize)>, SqlError> {
        self.expect_symbol("(", "( and the bound's values")?;
        let mut values = Vec::new();
        loop {
            let at = self.tokens[self.pos].at;
            values.push((self.expr()?, at));
            if !self.eat_symbol(",") {
                break;
            }
        }
        self.expect_symbol(")", ") or a comma and another value")?;
        Ok(values)
    }

    /// `WITH (MODULUS m, REMAINDER r)`: the grammar takes any words with whole numbers, in any
    /// order; gram.y then checks the words, in the order written.
    fn hash_bound(&mut self) -> Result<WrittenBound, SqlError> {
        self.expect_symbol("(", "( MODULUS m, REMAINDER r )")?;
        let mut written = Vec::new();
        loop {
            let at = self.tokens[self.pos].at;
            let word = self.identifier("MODULUS or REMAINDER")?;
            written.push((word, self.whole("a whole number")?, at));
            if !self.eat_symbol(",") {
                break;
            }
        }
        self.expect_symbol(")", ") or a comma and REMAINDER r")?;
        let (mut modulus, mut remainder) = (None, None);
        for (word, value, at) in written {
            let slot = match word.as_str() {
                "modulus" => &mut modulus,
                "remainder" => &mut remainder,
                _ => {
                    let message = format!("unrecognized hash partition bound specification \"{word}\"");
                    return Err(SqlError { position: at, message });
                }
            };
            if slot.replace(value).is_some() {
                let message = format!("{word} for hash partition provided more than once");
                return Err(SqlError { position: at, message });
            }
        }
        let specified = |value: Option<i64>, word: &str| {
            value.ok_or_else(|| SqlError::new(format!("{word} for hash partition must be specified")))
        };
        Ok(WrittenBound::Hash {
            modulus: specified(modulus, "modulus")?,
            remainder: specified(remainder, "remainder")?,
        })
    }

    /// An unsigned integer constant of 32 bits, as PostgreSQL's grammar takes MODULUS and
    /// REMAINDER (its `Iconst`).
    fn whole(&mut self, expected: &str) -> Result<i64, SqlError> {
        match self.peek() {
            Token::Number(n) if n.parse::<i32>().is_ok_and(|v| v >= 0) => Ok(self.count(expected)? as i64),
            _ => Err(self.error(expected)),
        }
    }
}
