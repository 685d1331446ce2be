//! The shop-and-blog schema every data lesson uses: `users` is deliberately wide (a bio and an
//! avatar that are rarely read), `countries` is a small lookup table.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    BigInt,
    Text,
    /// Stored as ISO text (`2025-03-01 14:00:00`), which sorts as the times do.
    Timestamp,
}

impl ColumnType {
    pub fn sql_name(self) -> &'static str {
        match self {
            ColumnType::BigInt => "bigint",
            ColumnType::Text => "text",
            ColumnType::Timestamp => "timestamp",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub ty: ColumnType,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Index of the primary-key column (always the first here): the column every table has an
    /// index on and knows its rows by.
    pub primary_key: usize,
    /// The columns a PRIMARY KEY constraint makes unique and NOT NULL, in the key's order:
    /// `[primary_key]` for the shop's tables; for a partitioned table, what its DDL declares,
    /// or none (a PostgreSQL partitioned table has no key unless one is declared).
    pub key: Option<Vec<usize>>,
    /// Columns a NOT NULL constraint guards besides the key's (a partitioned table's DDL)
    pub not_null: Vec<usize>,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Whether a NOT NULL constraint (its own, or the primary key's) guards the column.
    pub fn is_not_null(&self, column: usize) -> bool {
        self.not_null.contains(&column) || self.key.as_ref().is_some_and(|k| k.contains(&column))
    }

    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }

    /// A copy with some columns only (a vertical partition), the key kept first.
    pub fn with_columns(&self, name: &str, keep: &[&str]) -> TableDef {
        TableDef {
            name: name.to_string(),
            columns: self.columns.iter().filter(|c| keep.contains(&c.name)).cloned().collect(),
            primary_key: 0,
            key: Some(vec![0]),
            not_null: Vec::new(),
        }
    }

    /// `CREATE TABLE` as PostgreSQL reads it, for `scalelab dump` users loading the CSV.
    pub fn create_statement(&self) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let key = if i == self.primary_key { " PRIMARY KEY" } else { "" };
                format!("{} {}{key}", c.name, c.ty.sql_name())
            })
            .collect();
        format!("CREATE TABLE {} ({});", self.name, columns.join(", "))
    }

    /// Whether grouping by these columns fixes every other column of a row: they hold the whole
    /// primary key (PostgreSQL's functional dependency on a primary key).
    pub fn key_within(&self, grouped: impl Fn(usize) -> bool) -> bool {
        self.key.as_ref().is_some_and(|key| key.iter().all(|&c| grouped(c)))
    }
}

fn columns(list: &[(&'static str, ColumnType)]) -> Vec<ColumnDef> {
    list.iter().map(|&(name, ty)| ColumnDef { name, ty }).collect()
}

pub const TABLES: [&str; 5] = ["users", "posts", "comments", "orders", "countries"];

/// The five tables, in the order they are generated.
pub fn shop_schema() -> Vec<TableDef> {
    use ColumnType::*;
    let table = |name: &str, list: &[(&'static str, ColumnType)]| TableDef {
        name: name.to_string(),
        columns: columns(list),
        primary_key: 0,
        key: Some(vec![0]),
        not_null: Vec::new(),
    };
    vec![
        table(
            "users",
            &[
                ("id", BigInt),
                ("name", Text),
                ("email", Text),
                ("country", Text),
                ("created_at", Timestamp),
                ("bio", Text),
                ("avatar", Text),
            ],
        ),
        table(
            "posts",
            &[("id", BigInt), ("user_id", BigInt), ("title", Text), ("body", Text), ("created_at", Timestamp)],
        ),
        table(
            "comments",
            &[("id", BigInt), ("post_id", BigInt), ("user_id", BigInt), ("body", Text), ("created_at", Timestamp)],
        ),
        table("orders", &[("id", BigInt), ("user_id", BigInt), ("total_cents", BigInt), ("created_at", Timestamp)]),
        table("countries", &[("code", Text), ("name", Text)]),
    ]
}
