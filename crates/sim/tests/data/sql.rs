//! The SQL subset: its parser against sqlparser's (both accept or both reject), fuzzing (errors,
//! never panics), and SQL's meaning (three-valued logic, integer and numeric arithmetic,
//! aggregates, joins) on one server.

use super::{database, rows_of};
use proptest::prelude::*;
use sim::data::sql::parse;
use sim::data::{DataConfig, Database, LayoutConfig};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

const ACCEPTED: &[&str] = &[
    "SELECT * FROM users",
    "SELECT id, name FROM users WHERE id = 7",
    "SELECT u.id AS user_id, u.name FROM users AS u WHERE u.country = 'DE' AND NOT u.id > 10",
    "SELECT COUNT(*), SUM(total_cents), MIN(total_cents), MAX(total_cents), AVG(total_cents) FROM orders",
    "SELECT user_id, COUNT(*) FROM orders GROUP BY user_id ORDER BY 2 DESC, user_id LIMIT 10",
    "SELECT * FROM orders WHERE created_at BETWEEN '2025-01-01' AND '2025-02-01'",
    "SELECT * FROM orders WHERE id NOT BETWEEN 1 AND 5",
    "SELECT * FROM users WHERE country IN ('US', 'DE', 'FR')",
    "SELECT * FROM users WHERE country NOT IN ('US')",
    "SELECT * FROM users WHERE bio IS NULL OR bio IS NOT NULL",
    "SELECT * FROM users u JOIN posts p ON p.user_id = u.id",
    "SELECT p.*, u.name FROM users u JOIN posts p ON p.user_id = u.id",
    "SELECT * FROM users u INNER JOIN posts p ON p.user_id = u.id WHERE p.id < 100",
    "SELECT u.name, p.title FROM users u LEFT JOIN posts p ON p.user_id = u.id",
    "SELECT u.name, p.title FROM users u LEFT OUTER JOIN posts p ON p.user_id = u.id",
    "SELECT id * 2 + 1, -id, (id + 1) * 3, id / 2, id % 3 FROM users",
    "SELECT total_cents / 100.0 FROM orders WHERE total_cents <> 500 AND total_cents != 600",
    "SELECT * FROM orders WHERE id >= 1 AND id <= 9 AND id < 8 AND id > 2",
    "SELECT name FROM users ORDER BY name ASC, id DESC",
    "INSERT INTO countries VALUES ('PT', 'Portugal')",
    "INSERT INTO countries (code, name) VALUES ('PT', 'Portugal'), ('NO', 'Norway')",
    "UPDATE orders SET total_cents = total_cents + 100 WHERE id = 3",
    "UPDATE users SET name = 'Ada', country = 'GB' WHERE id IN (1, 2)",
    "DELETE FROM orders WHERE id = 5",
    "UPDATE users AS u SET name = u.name WHERE u.id = 1",
    "DELETE FROM users u WHERE u.id = 1",
    "DELETE FROM orders",
    "EXPLAIN SELECT * FROM orders WHERE id = 5",
    "SELECT * FROM users WHERE name = 'O''Brien'",
    "SELECT \"name\" FROM users",
    "select id from users where id = 1;",
    "SELECT COUNT(bio) FROM users -- a comment",
    "SELECT * FROM users WHERE NOT (id = 1 OR id = 2) AND TRUE",
];

const REJECTED: &[&str] = &[
    "SELEC * FROM users",
    "SELECT * FORM users",
    "SELECT * FROM",
    "SELECT id,, name FROM users",
    "SELECT * FROM users WHERE",
    "SELECT * FROM users WHERE id =",
    "SELECT * FROM users LIMIT",
    "INSERT INTO users VALUES",
    "INSERT INTO users VALUES (1,",
    "UPDATE users SET WHERE id = 1",
    "SELECT * FROM users ORDER id",
    "SELECT * FROM users GROUP id",
    "SELECT 'abc FROM users",
    "SELECT * FROM users WHERE id BETWEEN 1",
    "SELECT * FROM users WHERE id IS",
    "SELECT COUNT( FROM users",
    "SELECT * FROM users u JOIN posts p ON",
    "SELECT * FROM users WHERE (id = 1",
    "SELECT * FROM users WHERE id = 1)",
    "SELECT * FROM users WHERE id = = 1",
    "UPDATE users SET name 'x'",
    "DELETE FROM",
];

fn sqlparser_accepts(sql: &str) -> bool {
    Parser::parse_sql(&PostgreSqlDialect {}, sql).is_ok()
}

#[test]
fn both_parsers_accept_the_subset_and_both_reject_broken_sql() {
    for sql in ACCEPTED {
        assert!(sqlparser_accepts(sql), "sqlparser rejects {sql}");
        let statement = parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        // What we print parses back to the same statement (the SQL each shard receives).
        assert_eq!(parse(&statement.to_string()).as_ref(), Ok(&statement), "{sql} printed as {statement}");
        assert!(sqlparser_accepts(&statement.to_string()), "sqlparser rejects our printing {statement}");
    }
    for sql in REJECTED {
        assert!(!sqlparser_accepts(sql), "sqlparser accepts {sql}");
        assert!(parse(sql).is_err(), "we accept {sql}");
    }
}

#[test]
fn postgresqls_reserved_words_beyond_the_subset_are_refused_where_they_stand() {
    // Read as names, these ran as something else: RIGHT JOIN as an inner join with the alias
    // "right", DISTINCT as a column.
    for (sql, word, at) in [
        ("SELECT COUNT(*) FROM users RIGHT JOIN posts p ON p.user_id = users.id", "RIGHT", 28),
        ("SELECT DISTINCT country FROM users", "DISTINCT", 8),
        ("SELECT COUNT(*) FROM users HAVING COUNT(*) > 1", "HAVING", 28),
        ("SELECT id FROM users LIMIT 2 OFFSET 1", "OFFSET", 30),
        ("SELECT * FROM users CROSS JOIN countries", "CROSS", 21),
    ] {
        let e = parse(sql).unwrap_err();
        assert_eq!(e.position, at, "{sql}");
        assert!(
            e.message.starts_with(&format!(
                "syntax error at or near \"{word}\"\nHINT:  {word} is PostgreSQL, but not in the subset"
            )),
            "{sql}: {}",
            e.message
        );
    }
    // LIMIT ALL and LIMIT NULL are no limit; a negative one parses, and is refused when it runs
    // (`of_two_mistakes_the_one_postgresql_reports_is_reported`).
    assert_eq!(parse("SELECT id FROM users LIMIT ALL"), parse("SELECT id FROM users"));
    assert_eq!(parse("SELECT id FROM users LIMIT NULL"), parse("SELECT id FROM users"));
    assert!(parse("SELECT id FROM users LIMIT -1").is_ok());
    // Quoted, a reserved word is a name again.
    assert!(parse("SELECT \"user\" FROM users").is_ok());
}

#[test]
fn an_error_names_where_and_what_was_expected() {
    let e = parse("SELECT * FORM users").unwrap_err();
    assert_eq!(e.position, 10);
    assert_eq!(e.message, "syntax error at or near \"FORM\"\nHINT:  Expected FROM and a table after the column list (or a comma and another column).");
    let e = parse("SELECT * FROM users WHERE").unwrap_err();
    assert_eq!(e.message, "syntax error at end of input\nHINT:  Expected a value, a column or an expression.");
    let e = parse("SELECT * FROM users WHERE name = 'x").unwrap_err();
    assert!(e.message.starts_with("unterminated quoted string"), "{e}");
    assert_eq!(e.position, 34);
    let e = parse("SELECT LENGTH(name) FROM users").unwrap_err();
    // LENGTH is PostgreSQL's, so it is not said not to exist: it is outside the subset.
    assert!(e.message.starts_with("function length() is not in the subset"), "{e}");
    // PostgreSQL's whitespace is six ASCII characters (a vertical tab and a form feed among
    // them); a no-break space separates nothing.
    assert!(parse("SELECT\u{0B}*\u{0C}FROM\r\n\tusers").is_ok());
    let e = parse("SELECT\u{A0}* FROM users").unwrap_err();
    assert_eq!(e.position, 7);
    assert!(e.message.contains("This character has no meaning"), "{e}");
}

const SEEDS: &[&str] = &[
    "SELECT u.name, COUNT(*) FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id IN (1, 2, 3) GROUP BY u.name ORDER BY 2 DESC LIMIT 5",
    "SELECT * FROM orders WHERE created_at BETWEEN '2025-01-01' AND '2025-03-01' AND total_cents > 100 ORDER BY id",
    "INSERT INTO countries VALUES ('PT', 'Portugal'), ('NO', NULL)",
    "UPDATE orders SET total_cents = total_cents * 2 WHERE user_id = 3",
    "SELECT AVG(total_cents), SUM(id) / COUNT(*) FROM orders WHERE NOT id IS NULL",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_text_gets_an_error_never_a_panic(text in "\\PC{0,80}") {
        let _ = parse(&text);
    }

    /// Valid queries with a piece cut, doubled or swapped: the parser answers, and the
    /// executor, on one server and on shards, answers too.
    #[test]
    fn mutated_queries_get_an_answer_or_an_error_never_a_panic(seed in 0..SEEDS.len(), at in 0usize..200, len in 0usize..12, how in 0u8..4, insert in "[ -~]{0,6}") {
        let base = SEEDS[seed];
        let chars: Vec<char> = base.chars().collect();
        let at = at.min(chars.len());
        let end = (at + len).min(chars.len());
        let mutated: String = match how {
            0 => chars[..at].iter().chain(&chars[end..]).collect(),
            1 => chars[..end].iter().chain(&chars[at..]).collect(),
            2 => chars[..at].iter().copied().chain(insert.chars()).chain(chars[at..].iter().copied()).collect(),
            _ => chars[..at].iter().copied().chain(insert.chars()).chain(chars[end..].iter().copied()).collect(),
        };
        let _ = parse(&mutated);
        thread_local! {
            static DBS: std::cell::RefCell<Vec<sim::data::Database>> = std::cell::RefCell::new(vec![
                database(300, LayoutConfig::Single),
                database(300, LayoutConfig::Sharded(sim::data::layout::ShardingConfig {
                    shards: 3, strategy: sim::data::shard::Strategy::Directory, vnodes: 10, tables: sim::data::layout::default_placement()
                })),
                database(300, LayoutConfig::Vertical { hot: vec!["name".into(), "country".into()] }),
            ]);
        }
        DBS.with(|dbs| {
            for db in dbs.borrow_mut().iter_mut() {
                let _ = db.execute(&mutated);
            }
        });
    }
}

#[test]
fn null_is_unknown_in_comparisons_and_in_lists() {
    let mut db = database(300, LayoutConfig::Single);
    let one = |db: &mut sim::data::Database, sql: &str| rows_of(db, sql)[0].clone();
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM countries WHERE NULL = NULL"), ["0"]);
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM countries WHERE code IN ('US', NULL)"), ["1"]);
    // 'US' NOT IN ('DE', NULL) is unknown, so no row passes.
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM countries WHERE code NOT IN ('DE', NULL)"), ["0"]);
    assert_eq!(one(&mut db, "SELECT COUNT(*) FROM countries WHERE NOT (NULL AND FALSE)"), ["20"]);
    db.execute("INSERT INTO countries VALUES ('XX', NULL)").unwrap();
    assert_eq!(one(&mut db, "SELECT COUNT(*), COUNT(name) FROM countries"), ["21", "20"]);
    assert_eq!(one(&mut db, "SELECT MAX(name) FROM countries WHERE code = 'XX'"), ["NULL"]);
    // NULLs sort last ascending and first descending.
    assert_eq!(one(&mut db, "SELECT code FROM countries ORDER BY name DESC LIMIT 1"), ["XX"]);
    assert_eq!(one(&mut db, "SELECT code FROM countries ORDER BY name LIMIT 1"), ["AR"]);
}

#[test]
fn arithmetic_is_postgresqls() {
    let mut db = database(300, LayoutConfig::Single);
    // Read off PostgreSQL 15: 7/2, -7/2, -7 % 2, 10.50/4, 2/3::numeric.
    assert_eq!(
        rows_of(&mut db, "SELECT 7 / 2, -7 / 2, -7 % 2, 10.50 / 4, 2 / 3.0 FROM countries WHERE code = 'US'"),
        [["3", "-3", "-1", "2.6250000000000000", "0.66666666666666666667"]]
    );
    let e = db.execute("SELECT 1 / 0 FROM countries").unwrap_err();
    assert_eq!(e.message, "division by zero");
    // AVG over integers: 1.5000000000000000 for (1, 2), as PostgreSQL prints it.
    assert_eq!(rows_of(&mut db, "SELECT AVG(id) FROM users WHERE id IN (1, 2)"), [["1.5000000000000000"]]);
    // sum(bigint) is numeric, so dividing it keeps the fraction; sum(integer) is a bigint.
    // Read off PostgreSQL 15, on one server and gathered from shards alike.
    let sums = "SELECT SUM(id), SUM(id) / COUNT(id), SUM(id) / 4, SUM(1) / 4 FROM users WHERE id IN (1, 2, 3, 4)";
    let sharded = super::sharding::sharded(sim::data::shard::Strategy::HashMod, 4);
    for layout in [LayoutConfig::Single, sharded] {
        assert_eq!(
            rows_of(&mut database(300, layout), sums),
            [["10", "2.5000000000000000", "2.5000000000000000", "1"]]
        );
    }
}

#[test]
fn an_index_range_with_fractional_bounds_holds_what_a_scan_holds() {
    // `id + 0` hides the column from the index, so the second query scans every row.
    let mut db = database(300, LayoutConfig::Single);
    for condition in [
        "BETWEEN 1.5 AND 3",
        "> 2.5 AND id + 0 < 6",
        ">= 2.5 AND id + 0 <= 5.0",
        "< 2.5",
        "<= -0.5",
        "> 297.99",
        "IN (1.5, 2, 3.0)",
        "= 4.00",
    ] {
        let indexed = rows_of(&mut db, &format!("SELECT id FROM users WHERE id {condition} ORDER BY id"));
        let scanned = rows_of(&mut db, &format!("SELECT id FROM users WHERE id + 0 {condition} ORDER BY id"));
        assert_eq!(indexed, scanned, "id {condition}");
    }
    assert_eq!(rows_of(&mut db, "SELECT id FROM users WHERE id BETWEEN 1.5 AND 3"), [["2"], ["3"]]);
}

#[test]
fn a_key_the_index_decides_gives_the_rows_a_scan_keeps() {
    // `k = 7` on an integer key is answered by its index alone (no row is tested, as in
    // PostgreSQL's index condition); `k + 0 = 7` hides the key from the index and tests every
    // row. Unique keys (ids), repeated keys (a partition key's index) and keys changed by
    // writes all answer alike.
    let config = DataConfig {
        rows: 2_000,
        layout: LayoutConfig::Partitioned {
            ddl: "CREATE TABLE orders (id bigint) PARTITION BY HASH (user_id);
                  CREATE TABLE o0 PARTITION OF orders FOR VALUES WITH (MODULUS 2, REMAINDER 0);
                  CREATE TABLE o1 PARTITION OF orders FOR VALUES WITH (MODULUS 2, REMAINDER 1);"
                .into(),
        },
        ..DataConfig::default()
    };
    let mut db = Database::build(&config, 7).unwrap();
    let moved_from: i64 = rows_of(&mut db, "SELECT user_id FROM orders WHERE id = 4")[0][0].parse().unwrap();
    db.execute("DELETE FROM orders WHERE id = 3").unwrap();
    db.execute("UPDATE orders SET user_id = 2 WHERE id = 4").unwrap();
    db.execute("INSERT INTO orders VALUES (900001, 2, 100, '2025-05-05 00:00:00')").unwrap();
    let mut found = 0;
    for (column, key) in
        [("id", 1), ("id", 3), ("id", 4), ("id", 900001), ("id", -1), ("user_id", 2), ("user_id", moved_from)]
    {
        for table in ["orders", "comments"] {
            let ordered = |c: &str| format!("SELECT * FROM {table} WHERE {c} ORDER BY id");
            let indexed = rows_of(&mut db, &ordered(&format!("{column} = {key}")));
            let scanned = rows_of(&mut db, &ordered(&format!("{column} + 0 = {key}")));
            assert_eq!(indexed, scanned, "{table}: {column} = {key}");
            found += indexed.len();
        }
    }
    assert!(found > 10, "the keys hold rows ({found})");
    assert!(rows_of(&mut db, "SELECT * FROM orders WHERE id = 3").is_empty(), "a deleted row is gone");
}

#[test]
fn a_where_the_planner_knows_is_false_reads_no_row() {
    // PostgreSQL 17 plans these as a Result with `One-Time Filter: false`: no table is read, so
    // no row is examined and nothing in the select list is computed.
    let mut db = database(300, LayoutConfig::Single);
    for sql in [
        "SELECT * FROM users WHERE 1 = 0",
        "SELECT * FROM users WHERE id IS NULL",
        "SELECT * FROM users WHERE id = 5 AND id = 6",
        "SELECT 1 / (u.id - 2) FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id IS NULL",
        "UPDATE users SET name = 'x' WHERE id IS NULL OR NULL",
    ] {
        let out = db.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(out.plan.rows_examined(), 0, "{sql}");
        assert!(out.plan.render().contains("One-Time Filter: false"), "{sql}");
        assert!(out.result.rows.is_empty() && out.affected.unwrap_or(0) == 0, "{sql}");
    }
    // A NULL test the planner cannot settle is a filter on the rows read.
    let out = db.execute("SELECT u.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE o.id IS NULL").unwrap();
    assert!(out.plan.rows_examined() > 0 && !out.plan.render().contains("One-Time Filter"));
}

#[test]
fn rows_past_a_limit_are_not_computed() {
    // PostgreSQL's LIMIT stops the scan: with no ORDER BY the row that would divide by zero
    // (id 2) is never computed; with an ORDER BY every row is, and it fails.
    let mut db = database(300, LayoutConfig::Single);
    assert_eq!(rows_of(&mut db, "SELECT 1 / (id - 2) FROM users WHERE id < 5 LIMIT 1"), [["-1"]]);
    let e = db.execute("SELECT 1 / (id - 2) FROM users WHERE id < 5 ORDER BY id LIMIT 1").unwrap_err();
    assert_eq!(e.message, "division by zero");
}

#[test]
fn a_prepared_statement_answers_as_the_statement_does() {
    let mut db = database(2_000, LayoutConfig::Single);
    for sql in [
        "SELECT * FROM comments WHERE id = 17",
        "SELECT * FROM comments WHERE id = 999999",
        "SELECT user_id, COUNT(*) FROM orders GROUP BY user_id ORDER BY 2 DESC, user_id LIMIT 5",
        "SELECT u.name, p.title FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id IN (3, 4)",
        "EXPLAIN SELECT * FROM users WHERE id BETWEEN 5 AND 9",
    ] {
        let (statement, explained) = match parse(sql).unwrap() {
            sim::data::sql::ast::Statement::Explain(inner) => (*inner, true),
            other => (other, false),
        };
        let prepared = db.prepare(&statement, explained).unwrap();
        let direct = db.run(&statement, explained).unwrap();
        for _ in 0..2 {
            assert_eq!(db.run_prepared(&prepared).unwrap(), direct, "{sql}");
        }
    }
    // A mistake in a statement is found when it is prepared.
    let e = db.prepare(&parse("SELECT nope FROM users").unwrap(), false).err().unwrap();
    assert!(e.message.starts_with("column \"nope\" does not exist"), "{}", e.message);
}

#[test]
fn an_average_is_never_an_average_of_averages() {
    let mut db = database(2_000, LayoutConfig::Single);
    let total = rows_of(&mut db, "SELECT SUM(total_cents), COUNT(*) FROM orders");
    let avg = rows_of(&mut db, "SELECT AVG(total_cents) FROM orders")[0][0].clone();
    let (sum, count): (f64, f64) = (total[0][0].parse().unwrap(), total[0][1].parse().unwrap());
    assert!((avg.parse::<f64>().unwrap() - sum / count).abs() < 1e-9);
}

#[test]
fn a_qualified_star_is_every_column_of_its_table() {
    let mut db = database(300, LayoutConfig::Single);
    let outcome =
        db.execute("SELECT p.*, u.name FROM users u JOIN posts p ON p.user_id = u.id WHERE p.id = 3").unwrap();
    let names: Vec<&str> = outcome.result.columns.iter().map(String::as_str).collect();
    assert_eq!(names, ["id", "user_id", "title", "body", "created_at", "name"]);
    assert_eq!(
        rows_of(&mut db, "SELECT u.* FROM users u WHERE u.id = 3"),
        rows_of(&mut db, "SELECT * FROM users WHERE id = 3")
    );
    // PostgreSQL's words for a reference that is not in the FROM list.
    let refused = [
        ("SELECT x.* FROM users", "missing FROM-clause entry for table \"x\""),
        ("SELECT users.* FROM users u", "invalid reference to FROM-clause entry for table \"users\""),
    ];
    for (sql, message) in refused {
        assert_eq!(without_hint(db.execute(sql).map(|_| ()).unwrap_err().message), message, "{sql}");
    }
}

#[test]
fn group_by_reads_positions_and_output_names_as_postgresql_does() {
    use sim::data::layout::{default_placement, ShardingConfig};
    let by_name = "SELECT country, COUNT(*) FROM users GROUP BY country ORDER BY 2 DESC, 1";
    let sharded = LayoutConfig::Sharded(ShardingConfig {
        shards: 4,
        strategy: sim::data::shard::Strategy::HashMod,
        vnodes: 100,
        tables: default_placement(),
    });
    for layout in [LayoutConfig::Single, sharded] {
        let mut db = database(600, layout);
        let expected = rows_of(&mut db, by_name);
        assert_eq!(rows_of(&mut db, "SELECT country, COUNT(*) FROM users GROUP BY 1 ORDER BY 2 DESC, 1"), expected);
        // An output's alias, when no input column has that name.
        assert_eq!(
            rows_of(&mut db, "SELECT country AS c, COUNT(*) FROM users GROUP BY c ORDER BY 2 DESC, 1"),
            expected
        );
        let e = db.execute("SELECT country, COUNT(*) FROM users GROUP BY 2").unwrap_err();
        assert_eq!(e.message, "aggregate functions are not allowed in GROUP BY");
        let e = db.execute("SELECT country, COUNT(*) FROM users GROUP BY 3").unwrap_err();
        assert_eq!(e.message, "GROUP BY position 3 is not in select list\nHINT:  There are 2 columns.");
        // A name that is an input column is that column, whatever an output is called.
        let e = db.execute("SELECT id AS country FROM users GROUP BY country").unwrap_err();
        assert!(e.message.starts_with("column \"users.id\" must appear in the GROUP BY clause"), "{e}");
    }
}

#[test]
fn types_are_checked_before_any_row_is_read_with_postgresqls_names() {
    // Each statement reads no row (id < 0 holds none, and none is inserted), as PostgreSQL,
    // which refuses it while analysing it; the sharded layout refuses it alike.
    use sim::data::layout::{default_placement, ShardingConfig};
    let sharded = LayoutConfig::Sharded(ShardingConfig {
        shards: 3,
        strategy: sim::data::shard::Strategy::HashMod,
        vnodes: 100,
        tables: default_placement(),
    });
    let refused = [
        ("SELECT name + 1 FROM users WHERE id < 0", "operator does not exist: text + integer"),
        (
            "SELECT created_at - 1 FROM users WHERE id < 0",
            "operator does not exist: timestamp without time zone - integer",
        ),
        ("SELECT -name FROM users WHERE id < 0", "operator does not exist: - text"),
        ("SELECT id FROM users WHERE name = id AND id < 0", "operator does not exist: text = bigint"),
        ("SELECT id FROM users WHERE id < 0 AND name = 3000000000", "operator does not exist: text = bigint"),
        ("SELECT SUM(name) FROM users WHERE id < 0", "function sum(text) does not exist"),
        ("SELECT AVG(created_at) FROM users WHERE id < 0", "function avg(timestamp without time zone) does not exist"),
        ("SELECT SUM(NULL) FROM users WHERE id < 0", "function sum(unknown) is not unique"),
        ("SELECT id FROM users WHERE id < 0 AND (id OR true)", "argument of OR must be type boolean, not type bigint"),
        ("SELECT id FROM users WHERE NOT id", "argument of NOT must be type boolean, not type bigint"),
        ("SELECT id FROM users WHERE 1", "argument of WHERE must be type boolean, not type integer"),
        (
            "SELECT u.id FROM users u JOIN posts p ON p.title = u.id WHERE u.id < 0",
            "operator does not exist: text = bigint",
        ),
        ("DELETE FROM users WHERE id < 0 AND name > 3", "operator does not exist: text > integer"),
        // Integer constants are folded in 32 bits before the statement runs.
        ("SELECT 2147483647 + 1 FROM users WHERE id < 0", "integer out of range"),
        ("SELECT id FROM users WHERE id < 0 AND id = 100000 * 100000", "integer out of range"),
        ("SELECT 1 / (2 - 2) FROM users WHERE id < 0", "division by zero"),
    ];
    for layout in [LayoutConfig::Single, sharded] {
        let mut db = database(300, layout);
        for (sql, message) in refused {
            assert_eq!(without_hint(db.execute(sql).map(|_| ()).unwrap_err().message), message, "{sql}");
        }
        // PostgreSQL's hint, and ours where a number constant meets a text.
        let hint =
            "HINT:  No operator matches the given name and argument types. You might need to add explicit type casts.";
        let e = db.execute("SELECT name + 1 FROM users WHERE id < 0").unwrap_err();
        assert_eq!(e.message, format!("operator does not exist: text + integer\n{hint}"));
        let e = db.execute("SELECT id FROM users WHERE name > 3").unwrap_err();
        assert_eq!(
            e.message,
            format!("operator does not exist: text > integer\n{hint} Here, put the value in single quotes.")
        );
        // What PostgreSQL accepts still runs: a quoted constant takes the other side's type.
        assert_eq!(rows_of(&mut db, "SELECT id FROM users WHERE id = '2' AND created_at > '2000-01-01'"), [["2"]]);
        assert_eq!(rows_of(&mut db, "SELECT COUNT(*) FROM users WHERE id + 1.5 < 0"), [["0"]]);
        assert_eq!(rows_of(&mut db, "SELECT MIN(NULL), MAX('a') FROM users WHERE id = 1"), [["NULL", "a"]]);
        // A constant past 32 bits is a bigint, and so is arithmetic with a column.
        assert_eq!(
            rows_of(&mut db, "SELECT 2147483648 + 1, id + 2147483647, -7 % 3, 5 % -3 FROM users WHERE id = 1"),
            [["2147483649", "2147483648", "-1", "2"]]
        );
    }
}

#[test]
fn writes_are_checked_as_postgresql_checks_them_and_a_refused_one_changes_nothing() {
    // Each message was read off PostgreSQL 15 given the same statement on the same table.
    let mut db = database(300, LayoutConfig::Single);
    let before = rows_of(&mut db, "SELECT * FROM users ORDER BY id");
    let refused = [
        // Analysed before any row is read: id < 0 holds none.
        ("INSERT INTO users (id, name, id) VALUES (1, 'a', 2)", "column \"id\" specified more than once"),
        ("UPDATE users SET name = 'a', name = 'b' WHERE id < 0", "multiple assignments to same column \"name\""),
        (
            "UPDATE users SET created_at = 1 WHERE id < 0",
            "column \"created_at\" is of type timestamp without time zone but expression is of type integer",
        ),
        ("UPDATE users SET id = 'x' WHERE id < 0", "invalid input syntax for type bigint: \"x\""),
        ("UPDATE users SET id = 1.0 / 0 WHERE id < 0", "division by zero"),
        // The WHERE is analysed before the SET list.
        ("UPDATE users SET nope = 1 WHERE name + 1 = 2", "operator does not exist: text + integer"),
        ("UPDATE users SET name = 'a', name = 'b' WHERE id = 'x'", "invalid input syntax for type bigint: \"x\""),
        ("SELECT id FROM users WHERE id < 0 AND 9223372036854775807 + 1 > 0", "bigint out of range"),
        ("SELECT -NULL FROM users", "operator is not unique: - unknown"),
        // Row by row: the first row's duplicate comes before the second row's NULL.
        (
            "INSERT INTO users (id, name) VALUES (1, 'a'), (NULL, 'b')",
            "duplicate key value violates unique constraint \"users_pkey\"\nDETAIL:  Key (id)=(1) already exists.",
        ),
        (
            "INSERT INTO users (id, name) VALUES (100001, 'a'), (NULL, 'b')",
            "null value in column \"id\" of relation \"users\" violates not-null constraint\n\
             DETAIL:  Failing row contains (null, b, null, null, null, null, null).",
        ),
        // Row 1 becomes 2 while row 2 still holds it: PostgreSQL's unique check is immediate.
        (
            "UPDATE users SET id = id + 1 WHERE id < 3",
            "duplicate key value violates unique constraint \"users_pkey\"\nDETAIL:  Key (id)=(2) already exists.",
        ),
        (
            "UPDATE users SET id = 3 - id WHERE id IN (1, 2)",
            "duplicate key value violates unique constraint \"users_pkey\"\nDETAIL:  Key (id)=(2) already exists.",
        ),
    ];
    for (sql, message) in refused {
        assert_eq!(without_hint(db.execute(sql).map(|_| ()).unwrap_err().message), message, "{sql}");
    }
    // A NULL key is refused on UPDATE too; the DETAIL shows the row, each value cut at 64 bytes.
    let null_key = db.execute("UPDATE users SET id = NULL WHERE id = 2").map(|_| ()).unwrap_err().message;
    let (message, detail) = null_key.split_once('\n').unwrap();
    assert_eq!(message, "null value in column \"id\" of relation \"users\" violates not-null constraint");
    assert!(detail.starts_with("DETAIL:  Failing row contains (null, ") && detail.ends_with(")."), "{detail}");
    let bio = &rows_of(&mut db, "SELECT bio FROM users WHERE id = 2")[0][0];
    assert!(bio.len() > 64 && detail.contains(&format!(", {}..., ", &bio[..64])), "{detail}");
    assert_eq!(rows_of(&mut db, "SELECT * FROM users ORDER BY id"), before, "nothing refused was written");
    // What PostgreSQL accepts: keys moved out of each other's way, or kept.
    rows_of(&mut db, "UPDATE users SET id = id + 1000 WHERE id < 3");
    rows_of(&mut db, "UPDATE users SET id = id - 1000 WHERE id > 1000");
    rows_of(&mut db, "UPDATE users SET id = id WHERE id < 5");
    assert_eq!(rows_of(&mut db, "SELECT * FROM users ORDER BY id"), before);
    // An UPDATE or DELETE may name its table by an alias, and is routed by it as by the name.
    let sharded = super::sharding::sharded(sim::data::shard::Strategy::HashMod, 4);
    for layout in [LayoutConfig::Single, sharded] {
        let mut db = database(300, layout);
        let outcome = db.execute("UPDATE users AS u SET name = 'Ada' WHERE u.id = 3").unwrap();
        assert_eq!((outcome.affected, outcome.plan.parts.len()), (Some(1), 1), "one row, on one shard");
        assert_eq!(rows_of(&mut db, "SELECT name FROM users WHERE id = 3"), [["Ada"]]);
        assert_eq!(db.execute("DELETE FROM users u WHERE u.id = 3").unwrap().affected, Some(1));
        let e = db.execute("UPDATE users u SET name = 'x' WHERE users.id = 1").unwrap_err();
        assert_eq!(
            e.message,
            "invalid reference to FROM-clause entry for table \"users\"\nHINT:  Perhaps you meant to reference the table alias \"u\"."
        );
    }
}

#[test]
fn postgresqls_type_and_grouping_rules_hold() {
    let mut db = database(300, LayoutConfig::Single);
    let e = db.execute("SELECT name, COUNT(*) FROM users GROUP BY country").unwrap_err();
    assert_eq!(
        e.message,
        "column \"users.name\" must appear in the GROUP BY clause or be used in an aggregate function"
    );
    // A grouped primary key determines the rest of its row.
    assert_eq!(rows_of(&mut db, "SELECT id, name FROM users WHERE id = 1 GROUP BY id").len(), 1);
    let e = db.execute("SELECT * FROM users WHERE COUNT(*) > 1").unwrap_err();
    assert_eq!(e.message, "aggregate functions are not allowed in WHERE");
    // A quoted literal beside bigint arithmetic is a bigint, in WHERE and in the outputs alike.
    assert_eq!(rows_of(&mut db, "SELECT id + '5', -id * '2' FROM users WHERE id + '1' = 3"), [["7", "-4"]]);
    assert_eq!(
        rows_of(&mut db, "SELECT id + '1', COUNT(*) FROM users WHERE id < 3 GROUP BY id + '1' ORDER BY 1"),
        [["2", "1"], ["3", "1"]]
    );
    let e = db.execute("SELECT id + 'a' FROM users").unwrap_err();
    assert_eq!(e.message, "invalid input syntax for type bigint: \"a\"");
    let e = db.execute("SELECT * FROM users WHERE name = 5").unwrap_err();
    assert!(e.message.starts_with("operator does not exist: text = integer"), "{e}");
    assert_eq!(rows_of(&mut db, "SELECT id FROM users WHERE id = '3'"), [["3"]]);
    let e = db.execute("SELECT id FROM users u WHERE users.id = 3").unwrap_err();
    assert!(e.message.starts_with("invalid reference to FROM-clause entry for table \"users\""), "{e}");
    let e = db.execute("SELECT id FROM users u JOIN posts p ON p.user_id = u.id").unwrap_err();
    assert!(e.message.starts_with("column reference \"id\" is ambiguous"), "{e}");
    // Messages compared with a PostgreSQL 15 server given the same statements.
    let e = db.execute("SELECT * FROM users WHERE id").unwrap_err();
    assert_eq!(e.message, "argument of WHERE must be type boolean, not type bigint");
    let e = db.execute("SELECT * FROM users WHERE id = 1 OR id").unwrap_err();
    assert_eq!(e.message, "argument of OR must be type boolean, not type bigint");
    let e = db.execute("SELECT AVG(name) FROM users").unwrap_err();
    assert_eq!(e.message, "function avg(text) does not exist");
    let e = db.execute("SELECT id + name FROM users").unwrap_err();
    assert_eq!(without_hint(e.message), "operator does not exist: bigint + text");
    let e = db.execute("SELECT * FROM users WHERE id = 'abc'").unwrap_err();
    assert_eq!(e.message, "invalid input syntax for type bigint: \"abc\"");
    // Without a column list, missing trailing values are NULL; with one, they must all be there.
    assert_eq!(db.execute("INSERT INTO countries VALUES ('XY')").unwrap().affected, Some(1));
    let e = db.execute("INSERT INTO countries (code, name) VALUES ('XZ')").unwrap_err();
    assert_eq!(e.message, "INSERT has more target columns than expressions");
    let e = db.execute("INSERT INTO countries VALUES ('US', 'again')").unwrap_err();
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"countries_pkey\"\nDETAIL:  Key (code)=(US) already exists."
    );
}

/// A refusal without its `HINT:` line: PostgreSQL's message and DETAIL.
fn without_hint(message: String) -> String {
    message.split("\nHINT:  ").next().unwrap_or_default().to_string()
}

/// Of two mistakes, the one PostgreSQL reports: it analyses a SELECT's list before its WHERE,
/// then ORDER BY, then GROUP BY, reads a quoted constant where its operator meets it, and
/// checks grouping last. Each case was run on a PostgreSQL 15 server.
#[test]
fn of_two_mistakes_the_one_postgresql_reports_is_reported() {
    let mut db = database(300, LayoutConfig::Single);
    for (sql, postgres) in [
        ("SELECT nope FROM posts WHERE user_id + name > 1", "column \"nope\" does not exist"),
        ("SELECT 1 + name FROM posts WHERE id <> 'x' ORDER BY nope", "column \"name\" does not exist"),
        ("SELECT id FROM users WHERE id = 'x' AND name + 1 > 2", "invalid input syntax for type bigint: \"x\""),
        ("SELECT id FROM orders WHERE total_cents + 'x' > 1 GROUP BY 0", "invalid input syntax for type bigint: \"x\""),
        ("SELECT id, COUNT(*) FROM orders u WHERE user_id <> 1 ORDER BY nope", "column \"nope\" does not exist"),
        (
            "SELECT id, COUNT(*) FROM users WHERE country IS NOT NULL ORDER BY 5",
            "ORDER BY position 5 is not in select list",
        ),
        ("SELECT nope FROM users u WHERE users.id = 1", "column \"nope\" does not exist"),
        // a negative LIMIT is refused when the statement runs, after grouping is checked
        ("SELECT id FROM users ORDER BY id LIMIT -1", "LIMIT must not be negative"),
        ("SELECT nope FROM users LIMIT -1", "column \"nope\" does not exist"),
        (
            "SELECT id, COUNT(*) FROM users LIMIT -1",
            "column \"users.id\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
    ] {
        assert_eq!(without_hint(db.execute(sql).map(|_| ()).unwrap_err().message), postgres, "{sql}");
    }
}
