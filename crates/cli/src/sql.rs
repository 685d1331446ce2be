//! `scalelab sql`, `scalelab dump` and `scalelab reshard`: the data tier on the command line.
//! A query's result prints as psql prints it, then its plan; `--json` gives both as one object.

use serde_json::{json, Value as Json};
use sim::data::exec::ResultSet;
use sim::data::value::Value;
use sim::data::{DataConfig, Database, Outcome};
use std::fmt::Write as _;

use crate::args::DataRequest;
use crate::input;
use crate::Failure;

/// The scenario's database, built (or the default database, when no scenario is named).
fn open(source: Option<&str>, seed: Option<u64>) -> Result<(String, Database), Failure> {
    let (name, config, seed) = match source {
        None => ("default database".to_string(), DataConfig::default(), seed.unwrap_or(42)),
        Some(_) => {
            let resolved = input::resolve(source, seed)?;
            let scenario = resolved.scenario.get();
            let config = scenario.data.clone().ok_or_else(|| {
                let presets: Vec<&str> =
                    sim::presets::PRESETS.iter().filter(|p| (p.build)().data.is_some()).map(|p| p.name).collect();
                Failure::BadInput(format!(
                    "scenario `{}` has no data tier. Name one that has, such as {}",
                    resolved.name,
                    presets.join(", ")
                ))
            })?;
            (resolved.name, config, scenario.seed)
        }
    };
    let db = Database::build(&config, seed)
        .map_err(|e| Failure::BadInput(format!("the layout of `{name}` cannot be built: {e}")))?;
    Ok((name, db))
}

pub fn sql(request: DataRequest) -> Result<String, Failure> {
    let (_, mut db) = open(request.source.as_deref(), request.seed)?;
    let text = if request.explain && !request.argument.trim_start().to_ascii_lowercase().starts_with("explain") {
        format!("EXPLAIN {}", request.argument)
    } else {
        request.argument.clone()
    };
    let outcome = db.execute(&text).map_err(|e| Failure::Refused(with_caret(&text, &e)))?;
    Ok(if request.json {
        serde_json::to_string_pretty(&outcome_json(&outcome)).expect("JSON") + "\n"
    } else {
        outcome_text(&outcome)
    })
}

/// psql's way of showing where an error is: the message, the statement with a caret under the
/// place, then DETAIL and HINT.
fn with_caret(sql: &str, e: &sim::data::sql::SqlError) -> String {
    if e.position == 0 || sql.contains('\n') {
        return e.to_string();
    }
    let (primary, rest) = e.primary_and_rest();
    let caret = format!("ERROR:  {primary}\nLINE 1: {sql}\n{}^", " ".repeat(8 + e.position - 1));
    match rest {
        Some(rest) => format!("{caret}\n{rest}"),
        None => caret,
    }
}

fn outcome_text(outcome: &Outcome) -> String {
    let mut out = String::new();
    match outcome.affected {
        Some(n) if !outcome.explained => {
            let _ = writeln!(out, "{n} row(s) affected\n");
        }
        _ if !outcome.explained => out += &table(&outcome.result),
        _ => {}
    }
    out + &outcome.plan.render()
}

/// psql's aligned format: headers centred, numbers to the right, a row count below.
pub fn table(result: &ResultSet) -> String {
    let cells: Vec<Vec<String>> = result.rows.iter().map(|r| r.iter().map(|v| v.to_string()).collect()).collect();
    let widths: Vec<usize> = (0..result.columns.len())
        .map(|c| {
            cells.iter().map(|r| r[c].chars().count()).chain([result.columns[c].chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let numeric: Vec<bool> = (0..result.columns.len())
        .map(|c| result.rows.iter().all(|r| matches!(r[c], Value::Int(_) | Value::Decimal(_) | Value::Null)))
        .collect();
    let mut out = String::new();
    let line = |cols: Vec<String>| format!("{}\n", cols.join("|").trim_end());
    out += &line(result.columns.iter().zip(&widths).map(|(h, w)| format!(" {h:^w$} ")).collect());
    out += &format!("{}\n", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("+"));
    for row in &cells {
        out += &line(
            row.iter()
                .zip(&widths)
                .zip(&numeric)
                .map(|((v, w), n)| if *n { format!(" {v:>w$} ") } else { format!(" {v:<w$} ") })
                .collect(),
        );
    }
    let n = result.rows.len();
    let _ = writeln!(out, "({n} row{})\n", if n == 1 { "" } else { "s" });
    out
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        // Exact, as PostgreSQL's numeric: a string keeps every digit.
        Value::Decimal(d) => json!(d.to_string()),
        Value::Text(s) => json!(s.as_ref()),
    }
}

fn outcome_json(outcome: &Outcome) -> Json {
    let plan = &outcome.plan;
    let parts: Vec<Json> = plan
        .parts
        .iter()
        .map(|p| {
            let reads: Vec<Json> = p
                .work
                .reads
                .iter()
                .map(|r| json!({"table": &*r.table, "method": r.method.to_string(), "partitions_scanned": r.partitions_scanned, "partitions_total": r.partitions_total}))
                .collect();
            json!({
                "server": p.server, "sql": &*p.sql, "rows_examined": p.work.rows_examined, "bytes_examined": p.work.bytes_examined,
                "rows_returned": p.work.rows_returned, "bytes_returned": p.work.bytes_returned, "time_us": p.time_us, "reads": reads,
            })
        })
        .collect();
    json!({
        "columns": &*outcome.result.columns,
        "rows": outcome.result.rows.iter().map(|r| r.iter().map(value_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "affected": outcome.affected,
        "explained": outcome.explained,
        "plan": {
            "route": plan.route, "rewritten": plan.rewritten, "parts": parts, "gather": plan.gather,
            "rows_moved": plan.rows_moved, "bytes_moved": plan.bytes_moved, "rows_examined": plan.rows_examined(),
            "time_us": plan.time_us, "notes": plan.notes,
        },
    })
}

/// A table's rows as CSV with a header, as PostgreSQL's `COPY … CSV HEADER` reads them: NULL is
/// an empty field, an empty string is `""`.
pub fn dump(request: DataRequest) -> Result<String, Failure> {
    let (name, db) = open(request.source.as_deref(), request.seed)?;
    let (def, rows) = db.table_rows(&request.argument).map_err(|e| Failure::BadInput(e.message))?;
    eprintln!("-- {} rows of {} from {name}. To load them into PostgreSQL:", rows.len(), def.name);
    eprintln!("--   {}", def.create_statement());
    eprintln!("--   \\copy {} FROM '{}.csv' CSV HEADER", def.name, def.name);
    let mut out = def.column_names().join(",") + "\n";
    for row in rows {
        let fields: Vec<String> = row.iter().map(csv_field).collect();
        out += &fields.join(",");
        out.push('\n');
    }
    Ok(out)
}

fn csv_field(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(s)
            if s.is_empty() || s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') =>
        {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        other => other.to_string(),
    }
}

/// `scalelab reshard SCENARIO --to N`: moves the rows and counts what moved.
pub fn reshard(request: DataRequest, to: u32) -> Result<String, Failure> {
    let (name, mut db) = open(request.source.as_deref(), request.seed)?;
    let before = servers_text(&db);
    let cluster = db.cluster_mut().ok_or_else(|| {
        Failure::BadInput(format!(
            "`{name}` is not sharded: reshard a scenario with a sharded layout, such as data-reshard-jump"
        ))
    })?;
    let strategy = cluster.config.strategy.label();
    let report = cluster.reshard(to).map_err(|e| Failure::BadInput(e.message))?;
    let mut out = format!(
        "Resharding {name} ({strategy}) from {} to {} shards\n\nBefore:\n{before}After:\n{}",
        report.from,
        report.to,
        servers_text(&db)
    );
    out.push('\n');
    for line in report.moved() {
        let _ = writeln!(out, "{}{}", line[..1].to_ascii_uppercase(), &line[1..]);
    }
    Ok(out)
}

fn servers_text(db: &Database) -> String {
    db.servers().iter().fold(String::new(), |mut out, (server, tables)| {
        let total: usize = tables.iter().filter(|(t, _)| t != "countries").map(|(_, n)| n).sum();
        let _ = writeln!(out, "  {server:>8}  {total:>8} rows");
        out
    })
}
