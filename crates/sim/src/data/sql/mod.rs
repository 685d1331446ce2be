//! The SQL subset a student types: its syntax tree, parser and printer.

pub mod ast;
mod ddl;
mod error;
mod lexer;
mod parser;
mod print;

pub use ddl::parse_ddl;
pub use error::SqlError;
pub use parser::parse;
