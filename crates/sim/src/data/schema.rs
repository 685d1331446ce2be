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
    /// Index of the primary-key column (always the first here).
    pub primary_key: usize,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
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
