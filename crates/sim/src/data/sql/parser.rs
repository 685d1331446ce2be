//! A hand-written recursive-descent parser for the subset (a parser crate would cost ten times
//! the data tier's whole size budget). Precedence is PostgreSQL's: OR < AND < NOT < IS,
//! comparison, BETWEEN and IN < + - < * / % < unary minus. Every error names the character
//! where it happened (1-based, as PostgreSQL's "at character N") and what was expected there.

use super::ast::*;
use super::error::SqlError;
use super::lexer::{lex, Lexed, Token};
use crate::data::value::{text, ArithOp, Decimal, Value};

/// Words that cannot be a table, column or alias name without double quotes: the subset's own,
/// and PostgreSQL's other reserved words (its keyword appendix), so that `FROM users RIGHT JOIN`
/// or `SELECT DISTINCT` is refused where the word stands, not read as a name.
const RESERVED: [&str; 30] = [
    "select", "from", "where", "join", "inner", "left", "outer", "on", "group", "by", "order", "asc", "desc", "limit",
    "insert", "into", "values", "update", "set", "delete", "and", "or", "not", "is", "null", "between", "in", "as",
    "true", "false",
];
const RESERVED_BEYOND_THE_SUBSET: [&str; 53] = [
    "all",
    "any",
    "array",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "fetch",
    "for",
    "foreign",
    "full",
    "grant",
    "having",
    "ilike",
    "intersect",
    "lateral",
    "leading",
    "like",
    "natural",
    "offset",
    "only",
    "primary",
    "references",
    "returning",
    "right",
    "similar",
    "some",
    "table",
    "then",
    "to",
    "trailing",
    "union",
    "unique",
    "user",
    "using",
    "when",
    "window",
    "with",
    "isnull",
];

/// A word that cannot stand as a name.
fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word) || RESERVED_BEYOND_THE_SUBSET.contains(&word)
}

pub fn parse(sql: &str) -> Result<Statement, SqlError> {
    let tokens = lex(sql)?;
    let mut parser = Parser { tokens, pos: 0 };
    let statement = parser.statement()?;
    if parser.peek() != &Token::End {
        return Err(parser.error("the end of the statement"));
    }
    Ok(statement)
}

pub(super) struct Parser {
    pub(super) tokens: Vec<Lexed>,
    pub(super) pos: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> &Token {
        &self.tokens[self.pos].token
    }

    pub(super) fn advance(&mut self) -> &Lexed {
        let at = self.pos;
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        &self.tokens[at]
    }

    /// `syntax error at or near "X"`, PostgreSQL's words, with what we expected instead in a
    /// HINT.
    pub(super) fn error(&self, expected: &str) -> SqlError {
        let here = &self.tokens[self.pos];
        let near = if here.token == Token::End {
            "syntax error at end of input".to_string()
        } else {
            format!("syntax error at or near \"{}\"", here.raw)
        };
        let hint = match &here.token {
            Token::Word { text, quoted: false } if RESERVED_BEYOND_THE_SUBSET.contains(&text.as_str()) => format!(
                "{} is PostgreSQL, but not in the subset of SQL this console runs. Expected {expected}.",
                text.to_ascii_uppercase()
            ),
            _ => format!("Expected {expected}."),
        };
        SqlError::hinted(near, &hint).at(here.at)
    }

    pub(super) fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Token::Word { text, quoted: false } if text == word)
    }

    pub(super) fn eat_keyword(&mut self, word: &str) -> bool {
        let found = self.is_keyword(word);
        if found {
            self.advance();
        }
        found
    }

    pub(super) fn expect_keyword(&mut self, word: &str, expected: &str) -> Result<(), SqlError> {
        if self.eat_keyword(word) {
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    pub(super) fn eat_symbol(&mut self, symbol: &str) -> bool {
        let found = matches!(self.peek(), Token::Symbol(s) if *s == symbol);
        if found {
            self.advance();
        }
        found
    }

    pub(super) fn expect_symbol(&mut self, symbol: &str, expected: &str) -> Result<(), SqlError> {
        if self.eat_symbol(symbol) {
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    /// The next token can be a name: a word that is not reserved, or any word in double quotes.
    fn at_name(&self) -> bool {
        matches!(self.peek(), Token::Word { text, quoted } if *quoted || !is_reserved(text))
    }

    pub(super) fn identifier(&mut self, what: &str) -> Result<String, SqlError> {
        match self.peek().clone() {
            Token::Word { text, .. } if self.at_name() => {
                self.advance();
                Ok(text)
            }
            _ => Err(self.error(what)),
        }
    }

    fn statement(&mut self) -> Result<Statement, SqlError> {
        if self.eat_keyword("explain") {
            return Ok(Statement::Explain(Box::new(self.statement()?)));
        }
        if self.eat_keyword("select") {
            Ok(Statement::Select(self.select()?))
        } else if self.eat_keyword("insert") {
            Ok(Statement::Insert(self.insert()?))
        } else if self.eat_keyword("update") {
            Ok(Statement::Update(self.update()?))
        } else if self.eat_keyword("delete") {
            Ok(Statement::Delete(self.delete()?))
        } else {
            Err(self.error("SELECT, INSERT, UPDATE, DELETE or EXPLAIN"))
        }
    }

    /// `t.*`: the reference `t`, or `None` (and nothing read) when the next tokens are not that.
    fn qualified_star(&mut self) -> Option<String> {
        let table = match self.peek() {
            Token::Word { text, .. } if self.at_name() => text.clone(),
            _ => return None,
        };
        let star = matches!(self.tokens.get(self.pos + 1..self.pos + 3), Some([a, b])
            if a.token == Token::Symbol(".") && b.token == Token::Symbol("*"));
        star.then(|| {
            self.pos += 3;
            table
        })
    }

    fn select(&mut self) -> Result<Select, SqlError> {
        let mut items = Vec::new();
        loop {
            if self.eat_symbol("*") {
                items.push(SelectItem::Wildcard(None));
            } else if let Some(table) = self.qualified_star() {
                items.push(SelectItem::Wildcard(Some(table)));
            } else {
                let expr = self.expr()?;
                let alias = if self.eat_keyword("as") {
                    Some(self.identifier("a name for the column after AS")?)
                } else if self.at_name() {
                    Some(self.identifier("a column alias")?)
                } else {
                    None
                };
                items.push(SelectItem::Expr { expr, alias });
            }
            if !self.eat_symbol(",") {
                break;
            }
        }
        self.expect_keyword("from", "FROM and a table after the column list (or a comma and another column)")?;
        let from = self.table_ref()?;
        let joins = self.join()?.into_iter().collect();
        let filter = if self.eat_keyword("where") { Some(self.expr()?) } else { None };
        let mut group_by = Vec::new();
        if self.eat_keyword("group") {
            self.expect_keyword("by", "BY after GROUP")?;
            loop {
                group_by.push(self.expr()?);
                if !self.eat_symbol(",") {
                    break;
                }
            }
        }
        let mut order_by = Vec::new();
        if self.eat_keyword("order") {
            self.expect_keyword("by", "BY after ORDER")?;
            loop {
                let expr = self.expr()?;
                let descending = if self.eat_keyword("desc") {
                    true
                } else {
                    self.eat_keyword("asc");
                    false
                };
                order_by.push(OrderItem { expr, descending });
                if !self.eat_symbol(",") {
                    break;
                }
            }
        }
        let limit = if self.eat_keyword("limit") { self.limit()? } else { None };
        Ok(Select { items, from, joins, filter, group_by, order_by, limit })
    }

    /// After LIMIT: a row count, or ALL or NULL for none, as PostgreSQL reads it.
    fn limit(&mut self) -> Result<Option<i64>, SqlError> {
        if self.eat_keyword("all") || self.eat_keyword("null") {
            return Ok(None);
        }
        let negative =
            self.peek() == &Token::Symbol("-") && matches!(self.tokens[self.pos + 1].token, Token::Number(_));
        if negative {
            self.advance();
        }
        let count = self.count("a row count after LIMIT")?;
        let count = i64::try_from(count).map_err(|_| SqlError::new("bigint out of range"))?;
        Ok(Some(if negative { -count } else { count }))
    }

    pub(super) fn count(&mut self, expected: &str) -> Result<u64, SqlError> {
        match self.peek().clone() {
            Token::Number(n) => match n.parse::<u64>() {
                Ok(v) => {
                    self.advance();
                    Ok(v)
                }
                Err(_) => Err(self.error(expected)),
            },
            _ => Err(self.error(expected)),
        }
    }

    fn table_ref(&mut self) -> Result<TableRef, SqlError> {
        let name = self.identifier("a table name")?;
        let alias = self.table_alias(None)?;
        Ok(TableRef { name, alias })
    }

    fn join(&mut self) -> Result<Option<Join>, SqlError> {
        let kind = if self.eat_keyword("inner") {
            self.expect_keyword("join", "JOIN after INNER")?;
            JoinKind::Inner
        } else if self.eat_keyword("left") {
            self.eat_keyword("outer");
            self.expect_keyword("join", "JOIN after LEFT")?;
            JoinKind::Left
        } else if self.eat_keyword("join") {
            JoinKind::Inner
        } else {
            return Ok(None);
        };
        let table = self.table_ref()?;
        self.expect_keyword("on", "ON and a condition such as a.id = b.a_id after the joined table")?;
        let left = self.column_ref("a column (the join is ON one column = another)")?;
        self.expect_symbol("=", "= (a join is ON one column = another)")?;
        let right = self.column_ref("a column after = (the join is ON one column = another)")?;
        if self.is_keyword("join") || self.is_keyword("inner") || self.is_keyword("left") {
            return Err(self.error("WHERE, GROUP BY, ORDER BY or LIMIT: this console joins two tables at most"));
        }
        Ok(Some(Join { kind, table, on: (left, right) }))
    }

    fn column_ref(&mut self, expected: &str) -> Result<ColumnRef, SqlError> {
        let first = self.identifier(expected)?;
        if self.eat_symbol(".") {
            let column = self.identifier("a column name after the dot")?;
            Ok(ColumnRef { table: Some(first), column })
        } else {
            Ok(ColumnRef { table: None, column: first })
        }
    }

    fn insert(&mut self) -> Result<Insert, SqlError> {
        self.expect_keyword("into", "INTO after INSERT")?;
        let table = self.identifier("a table name after INSERT INTO")?;
        let columns = if self.eat_symbol("(") {
            let mut names = vec![self.identifier("a column name")?];
            while self.eat_symbol(",") {
                names.push(self.identifier("a column name after the comma")?);
            }
            self.expect_symbol(")", ") or a comma after the column name")?;
            Some(names)
        } else {
            None
        };
        self.expect_keyword("values", "VALUES and a list of rows such as (1, 'a')")?;
        let mut rows = Vec::new();
        loop {
            self.expect_symbol("(", "( to start a row of values")?;
            let mut row = vec![self.expr()?];
            while self.eat_symbol(",") {
                row.push(self.expr()?);
            }
            self.expect_symbol(")", ") or a comma after the value")?;
            rows.push(row);
            if !self.eat_symbol(",") {
                break;
            }
        }
        Ok(Insert { table, columns, rows })
    }

    fn update(&mut self) -> Result<Update, SqlError> {
        let table = self.identifier("a table name after UPDATE")?;
        // As in PostgreSQL's grammar, a bare alias cannot be SET, where the list begins.
        let alias = self.table_alias(Some("set"))?;
        self.expect_keyword("set", "SET after the table name")?;
        let mut assignments = Vec::new();
        loop {
            let column = self.identifier("a column name to SET")?;
            self.expect_symbol("=", "= after the column name")?;
            assignments.push((column, self.expr()?));
            if !self.eat_symbol(",") {
                break;
            }
        }
        let filter = if self.eat_keyword("where") { Some(self.expr()?) } else { None };
        Ok(Update { table, alias, assignments, filter })
    }

    fn delete(&mut self) -> Result<Delete, SqlError> {
        self.expect_keyword("from", "FROM after DELETE")?;
        let table = self.identifier("a table name after DELETE FROM")?;
        let alias = self.table_alias(None)?;
        let filter = if self.eat_keyword("where") { Some(self.expr()?) } else { None };
        Ok(Delete { table, alias, filter })
    }

    /// A table's `[AS] alias`, in FROM, JOIN, UPDATE or DELETE; a bare alias is never the
    /// unquoted word `not_bare` (what follows the table there).
    fn table_alias(&mut self, not_bare: Option<&str>) -> Result<Option<String>, SqlError> {
        if self.eat_keyword("as") {
            return Ok(Some(self.identifier("an alias for the table after AS")?));
        }
        let excluded = matches!(self.peek(), Token::Word { text, quoted: false } if Some(text.as_str()) == not_bare);
        Ok(if self.at_name() && !excluded { Some(self.identifier("an alias for the table")?) } else { None })
    }

    pub(super) fn expr(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.and()?;
        while self.eat_keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.not()?;
        while self.eat_keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, SqlError> {
        if self.eat_keyword("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, SqlError> {
        let left = self.additive()?;
        if self.eat_keyword("is") {
            let negated = self.eat_keyword("not");
            self.expect_keyword("null", "NULL after IS (or IS NOT)")?;
            return Ok(Expr::IsNull { expr: Box::new(left), negated });
        }
        let negated = self.eat_keyword("not");
        if self.eat_keyword("between") {
            let low = self.additive()?;
            self.expect_keyword("and", "AND between the two bounds of BETWEEN")?;
            let high = self.additive()?;
            return Ok(Expr::Between { expr: Box::new(left), low: Box::new(low), high: Box::new(high), negated });
        }
        if self.eat_keyword("in") {
            self.expect_symbol("(", "( and a list of values after IN")?;
            let mut list = vec![self.expr()?];
            while self.eat_symbol(",") {
                list.push(self.expr()?);
            }
            self.expect_symbol(")", ") or a comma in the IN list")?;
            return Ok(Expr::InList { expr: Box::new(left), list, negated });
        }
        if negated {
            return Err(self.error("BETWEEN or IN after NOT"));
        }
        let op = match self.peek() {
            Token::Symbol("=") => CompareOp::Eq,
            Token::Symbol("<>") | Token::Symbol("!=") => CompareOp::NotEq,
            Token::Symbol("<") => CompareOp::Lt,
            Token::Symbol("<=") => CompareOp::LtEq,
            Token::Symbol(">") => CompareOp::Gt,
            Token::Symbol(">=") => CompareOp::GtEq,
            _ => return Ok(left),
        };
        self.advance();
        let right = self.additive()?;
        if matches!(self.peek(), Token::Symbol("=" | "<>" | "!=" | "<" | "<=" | ">" | ">=")) {
            return Err(
                self.error("AND, OR or the end of the condition: comparisons do not chain (write a < b AND b < c)")
            );
        }
        Ok(Expr::Compare(op, Box::new(left), Box::new(right)))
    }

    fn additive(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Token::Symbol("+") => ArithOp::Add,
                Token::Symbol("-") => ArithOp::Subtract,
                _ => return Ok(left),
            };
            self.advance();
            left = Expr::Arith(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Token::Symbol("*") => ArithOp::Multiply,
                Token::Symbol("/") => ArithOp::Divide,
                Token::Symbol("%") => ArithOp::Modulo,
                _ => return Ok(left),
            };
            self.advance();
            left = Expr::Arith(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    pub(super) fn unary(&mut self) -> Result<Expr, SqlError> {
        if self.eat_symbol("-") {
            return Ok(match self.unary()? {
                Expr::Literal(Value::Int(v)) => Expr::Literal(Value::Int(-v)),
                Expr::Literal(Value::Decimal(d)) => {
                    Expr::Literal(Value::Decimal(Box::new(Decimal { units: -d.units, scale: d.scale })))
                }
                other => Expr::Negate(Box::new(other)),
            });
        }
        self.eat_symbol("+");
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SqlError> {
        const EXPECTED: &str = "a value, a column or an expression";
        match self.peek().clone() {
            Token::Number(n) => {
                let value = if n.contains('.') {
                    Decimal::parse(&n).map(|d| Value::Decimal(Box::new(d)))
                } else {
                    n.parse::<i64>()
                        .ok()
                        .map(Value::Int)
                        .or_else(|| Decimal::parse(&n).map(|d| Value::Decimal(Box::new(d))))
                };
                let Some(value) = value else { return Err(self.error("a number of at most 38 digits")) };
                self.advance();
                Ok(Expr::Literal(value))
            }
            Token::Str(s) => {
                self.advance();
                Ok(Expr::Literal(text(&s)))
            }
            Token::Symbol("(") => {
                self.advance();
                if self.is_keyword("select") {
                    return Err(self.error("an expression: subqueries are not part of this console's SQL"));
                }
                let inner = self.expr()?;
                self.expect_symbol(")", ") to close the parenthesis")?;
                Ok(inner)
            }
            Token::Word { text, quoted: false } if text == "null" => {
                self.advance();
                Ok(Expr::Literal(Value::Null))
            }
            Token::Word { text, quoted: false } if text == "true" || text == "false" => {
                self.advance();
                Ok(Expr::Literal(Value::Bool(text == "true")))
            }
            Token::Word { text, quoted: false } if matches!(self.tokens[self.pos + 1].token, Token::Symbol("(")) => {
                let function = match text.as_str() {
                    "count" => Aggregate::Count,
                    "sum" => Aggregate::Sum,
                    "min" => Aggregate::Min,
                    "max" => Aggregate::Max,
                    "avg" => Aggregate::Avg,
                    _ => {
                        let here = &self.tokens[self.pos];
                        return Err(SqlError::hinted(
                            format!("function {text}() is not in the subset of SQL this console runs"),
                            "This console knows COUNT, SUM, MIN, MAX and AVG.",
                        )
                        .at(here.at));
                    }
                };
                self.advance();
                self.advance();
                let argument = if function == Aggregate::Count && self.eat_symbol("*") {
                    None
                } else {
                    Some(Box::new(self.expr()?))
                };
                self.expect_symbol(")", ") to close the function's argument")?;
                Ok(Expr::Aggregate(function, argument))
            }
            Token::Word { .. } => match self.column_ref(EXPECTED) {
                Ok(c) => Ok(Expr::Column(c)),
                Err(e) => Err(e),
            },
            _ => Err(self.error(EXPECTED)),
        }
    }
}
