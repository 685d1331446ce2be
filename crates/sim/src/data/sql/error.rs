//! A SQL error as PostgreSQL words it, with the character it points at: what the lexer, the
//! parser and the executor all return (its own module, so that the lexer and the parser do not
//! import each other for it).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    /// 1-based character position, 0 when the error is not about one place.
    pub position: usize,
    pub message: String,
}

impl SqlError {
    pub fn new(message: impl Into<String>) -> SqlError {
        SqlError { position: 0, message: message.into() }
    }

    /// The message's first line, PostgreSQL's primary message, and the lines after it (`DETAIL:`,
    /// `HINT:`), if any.
    pub fn primary_and_rest(&self) -> (&str, Option<&str>) {
        match self.message.split_once('\n') {
            Some((primary, rest)) => (primary, Some(rest)),
            None => (&self.message, None),
        }
    }

    /// PostgreSQL's message, then a `HINT:` line as PostgreSQL writes one: our word on what to
    /// do goes there, so that the message itself stays PostgreSQL's.
    pub fn hinted(message: impl Into<String>, hint: &str) -> SqlError {
        SqlError::new(format!("{}\nHINT:  {hint}", message.into()))
    }

    /// The same error, pointing at the 1-based character `position`.
    pub fn at(self, position: usize) -> SqlError {
        SqlError { position, ..self }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Where it points belongs to the primary message, before any DETAIL or HINT.
        let (primary, rest) = self.primary_and_rest();
        write!(f, "ERROR:  {primary}")?;
        if self.position > 0 {
            write!(f, " (at character {})", self.position)?;
        }
        match rest {
            Some(rest) => write!(f, "\n{rest}"),
            None => Ok(()),
        }
    }
}
