//! Characters into tokens: words (lower-cased unless double-quoted), numbers, quoted strings
//! and symbols, each with the 1-based character where it starts, as PostgreSQL counts.

use super::error::SqlError;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    /// lower-cased unless it was written in double quotes
    Word {
        text: String,
        quoted: bool,
    },
    Number(String),
    Str(String),
    Symbol(&'static str),
    End,
}

pub(super) struct Lexed {
    pub(super) token: Token,
    /// 1-based character position
    pub(super) at: usize,
    /// as written, for messages
    pub(super) raw: String,
}

const SYMBOLS: [&str; 16] = ["<=", ">=", "<>", "!=", ",", "(", ")", "*", ".", "=", "<", ">", "+", "-", "/", "%"];

/// PostgreSQL's whitespace (`scan.l`'s {space}, `scanner_isspace`): six ASCII characters, not
/// Unicode's (a no-break space is no separator there).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C')
}

pub(super) fn lex(sql: &str) -> Result<Vec<Lexed>, SqlError> {
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let at = i + 1;
        let next = chars.get(i + 1).map(|p| p.1);
        if is_space(c) {
            i += 1;
            continue;
        }
        if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
            continue;
        }
        let (token, end) = if c.is_ascii_alphabetic() || c == '_' {
            let end = scan(&chars, i, |c| c.is_ascii_alphanumeric() || c == '_');
            (Token::Word { text: slice(&chars, i, end).to_ascii_lowercase(), quoted: false }, end)
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            number(&chars, i)?
        } else if c == '\'' || c == '"' {
            quoted(&chars, i)?
        } else if c == ';' {
            // Only at the end: one statement at a time.
            if chars[i + 1..].iter().any(|p| !is_space(p.1)) {
                return Err(SqlError {
                    position: at,
                    message: "one statement at a time: remove what follows the \";\"".into(),
                });
            }
            break;
        } else if let Some(symbol) = SYMBOLS.iter().find(|s| sql[start..].starts_with(**s)) {
            (Token::Symbol(symbol), i + symbol.chars().count())
        } else {
            return Err(SqlError::hinted(
                format!("syntax error at or near \"{c}\""),
                "This character has no meaning in SQL here.",
            )
            .at(at));
        };
        out.push(Lexed { token, at, raw: slice(&chars, i, end) });
        i = end;
    }
    out.push(Lexed { token: Token::End, at: chars.len() + 1, raw: String::new() });
    Ok(out)
}

/// The end of the run of characters from `from` that `keep` accepts.
fn scan(chars: &[(usize, char)], from: usize, mut keep: impl FnMut(char) -> bool) -> usize {
    let mut end = from;
    while end < chars.len() && keep(chars[end].1) {
        end += 1;
    }
    end
}

/// `12`, `3.50`, `.5`; a letter straight after is PostgreSQL's "trailing junk".
fn number(chars: &[(usize, char)], from: usize) -> Result<(Token, usize), SqlError> {
    let mut seen_dot = false;
    let end = scan(chars, from, |c| {
        let dot = c == '.' && !seen_dot;
        seen_dot |= dot;
        c.is_ascii_digit() || dot
    });
    if end < chars.len() && (chars[end].1.is_ascii_alphabetic() || chars[end].1 == '_') {
        return Err(SqlError {
            position: end + 1,
            message: format!("trailing junk after numeric literal at or near \"{}\"", slice(chars, from, end + 1)),
        });
    }
    Ok((Token::Number(slice(chars, from, end)), end))
}

/// A 'string' or a "quoted identifier"; a doubled quote stands for one.
fn quoted(chars: &[(usize, char)], from: usize) -> Result<(Token, usize), SqlError> {
    let quote = chars[from].1;
    let mut j = from + 1;
    let mut value = String::new();
    loop {
        match chars.get(j) {
            None => {
                let what = if quote == '\'' { "unterminated quoted string" } else { "unterminated quoted identifier" };
                return Err(SqlError::hinted(
                    format!("{what} at or near \"{}\"", slice(chars, from, chars.len())),
                    &format!("Close it with {quote}."),
                )
                .at(from + 1));
            }
            Some(&(_, q)) if q == quote && chars.get(j + 1).map(|p| p.1) == Some(quote) => {
                value.push(quote);
                j += 2;
            }
            Some(&(_, q)) if q == quote => break,
            Some(&(_, other)) => {
                value.push(other);
                j += 1;
            }
        }
    }
    if quote == '"' && value.is_empty() {
        return Err(SqlError {
            position: from + 1,
            message: "zero-length delimited identifier at or near \"\"\"\"".into(),
        });
    }
    let token = if quote == '\'' { Token::Str(value) } else { Token::Word { text: value, quoted: true } };
    Ok((token, j + 1))
}

fn slice(chars: &[(usize, char)], from: usize, to: usize) -> String {
    chars[from..to.min(chars.len())].iter().map(|p| p.1).collect()
}
