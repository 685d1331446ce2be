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
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.position > 0 {
            write!(f, "ERROR:  {} (at character {})", self.message, self.position)
        } else {
            write!(f, "ERROR:  {}", self.message)
        }
    }
}
