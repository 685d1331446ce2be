//! PostgreSQL's declarative partitioning, rule by rule. The messages were read off a
//! PostgreSQL 15 server given the same DDL (its partitioning rules are those of 17).

use super::{database, rows_of};
use sim::data::{DataConfig, Database, LayoutConfig};

fn layout(ddl: &str) -> Result<Database, String> {
    let config =
        DataConfig { rows: 1_000, layout: LayoutConfig::Partitioned { ddl: ddl.into() }, ..DataConfig::default() };
    Database::build(&config, 7).map_err(|e| e.message)
}

const RANGE_PARENT: &str = "CREATE TABLE orders (id bigint) PARTITION BY RANGE (created_at);";

fn months(from: u32, to: u32) -> String {
    let mut ddl = RANGE_PARENT.to_string();
    for m in from..=to {
        let end = if m == 12 { "2026-01-01".into() } else { format!("2025-{:02}-01", m + 1) };
        ddl +=
            &format!("CREATE TABLE orders_{m:02} PARTITION OF orders FOR VALUES FROM ('2025-{m:02}-01') TO ('{end}');");
    }
    ddl
}

#[test]
fn range_bounds_include_from_and_exclude_to() {
    let mut db = layout(&months(1, 12)).unwrap();
    db.execute(
        "INSERT INTO orders VALUES (100001, 1, 500, '2025-02-01 00:00:00'), (100002, 1, 500, '2025-01-31 23:59:59')",
    )
    .unwrap();
    let from = db.execute("EXPLAIN SELECT * FROM orders WHERE created_at = '2025-02-01'").unwrap();
    assert_eq!(from.plan.parts[0].work.reads[0].partitions_scanned, ["orders_02"], "FROM is inclusive");
    let before = db.execute("EXPLAIN SELECT * FROM orders WHERE created_at = '2025-01-31 23:59:59'").unwrap();
    assert_eq!(before.plan.parts[0].work.reads[0].partitions_scanned, ["orders_01"], "TO is exclusive");
    assert_eq!(rows_of(&mut db, "SELECT id FROM orders WHERE created_at = '2025-02-01'"), [["100001"]]);
}

#[test]
fn a_row_with_no_partition_and_no_default_is_refused_as_postgresql_refuses_it() {
    let mut db = layout(&months(1, 12)).unwrap();
    let err = db.execute("INSERT INTO orders VALUES (100001, 1, 500, '2026-05-01')").unwrap_err().message;
    assert!(err.starts_with("no partition of relation \"orders\" found for row\nDETAIL:  Partition key of the failing row contains (created_at) = (2026-05-01 00:00:00)."), "{err}");
    // With a DEFAULT partition it lands there.
    let mut with_default = layout(&(months(1, 12) + "CREATE TABLE orders_other PARTITION OF orders DEFAULT;")).unwrap();
    with_default.execute("INSERT INTO orders VALUES (100001, 1, 500, '2026-05-01')").unwrap();
    let found = with_default.execute("EXPLAIN SELECT * FROM orders WHERE created_at = '2026-05-01'").unwrap();
    assert_eq!(found.plan.parts[0].work.reads[0].partitions_scanned, ["orders_other"]);
    // A layout whose partitions cannot hold the generated rows is refused the same way.
    let err = layout(&months(1, 6)).unwrap_err();
    assert!(err.starts_with("no partition of relation \"orders\" found for row"), "{err}");
}

#[test]
fn a_unique_key_of_a_partitioned_table_must_hold_the_partition_key() {
    let columns = "id bigint, user_id bigint, total_cents bigint, created_at timestamp";
    let message = |kind: &str| {
        format!(
            "unique constraint on partitioned table must include all partitioning columns\n\
             DETAIL:  {kind} constraint on table \"orders\" lacks column \"created_at\" which is part of the partition key."
        )
    };
    let parent = |list: &str| format!("CREATE TABLE orders ({list}) PARTITION BY RANGE (created_at);");
    let refused = [
        (
            parent("id bigint PRIMARY KEY, user_id bigint, total_cents bigint, created_at timestamp"),
            message("PRIMARY KEY"),
        ),
        (parent(&format!("{columns}, CONSTRAINT orders_pk PRIMARY KEY (id)")), message("PRIMARY KEY")),
        (parent("id bigint, user_id bigint UNIQUE, total_cents bigint, created_at timestamp"), message("UNIQUE")),
        (parent(&format!("{columns}, PRIMARY KEY (nope)")), "column \"nope\" named in key does not exist".into()),
    ];
    for (ddl, message) in refused {
        assert_eq!(layout(&ddl).err().as_deref(), Some(message.as_str()), "{ddl}");
    }
    let with_key = parent(&format!("{columns}, PRIMARY KEY (id, created_at)"));
    assert!(layout(&format!("{with_key} CREATE TABLE orders_all PARTITION OF orders DEFAULT;")).is_ok());
}

#[test]
fn a_partitioned_table_keeps_the_key_its_ddl_declares_and_no_other() {
    // Read off PostgreSQL 15 given the same DDL and rows.
    let with_key =
        months(1, 12).replace("(id bigint)", "(id bigint, created_at timestamp, PRIMARY KEY (id, created_at))");
    let mut db = layout(&with_key).unwrap();
    let mut refused = |sql: &str| db.execute(sql).map(|_| ()).unwrap_err().message;
    // The row is routed first, then its key's NOT NULL is checked, in the partition's name.
    assert_eq!(
        refused("INSERT INTO orders VALUES (NULL, 1, 500, '2025-03-05')"),
        "null value in column \"id\" of relation \"orders_03\" violates not-null constraint\n\
         DETAIL:  Failing row contains (null, 1, 500, 2025-03-05 00:00:00)."
    );
    assert!(refused("INSERT INTO orders VALUES (NULL, 1, 500, '2027-03-05')")
        .starts_with("no partition of relation \"orders\" found for row"));
    // The key is the pair: the same id at another moment is another row.
    assert_eq!(
        refused("INSERT INTO orders VALUES (100001, 1, 5, '2025-03-05'), (100001, 2, 6, '2025-03-05')"),
        "duplicate key value violates unique constraint \"orders_03_pkey\"\n\
         DETAIL:  Key (id, created_at)=(100001, 2025-03-05 00:00:00) already exists."
    );
    db.execute("INSERT INTO orders VALUES (100001, 1, 5, '2025-03-05'), (100001, 2, 6, '2025-03-06')").unwrap();
    // Grouping by the whole key fixes the other columns; by part of it, it does not.
    assert!(db.execute("SELECT id, created_at, total_cents FROM orders GROUP BY id, created_at").is_ok());
    let e = db.execute("SELECT id, total_cents FROM orders GROUP BY id").unwrap_err();
    assert!(e.message.starts_with("column \"orders.total_cents\" must appear in the GROUP BY clause"), "{}", e.message);

    // Without a declared key, PostgreSQL keeps no row unique and none NOT NULL.
    let mut db = layout(&months(1, 12)).unwrap();
    db.execute("INSERT INTO orders VALUES (NULL, 1, 500, '2025-03-05'), (100007, 1, 5, '2025-03-05'), (100007, 1, 5, '2025-03-05')")
        .unwrap();
    assert_eq!(rows_of(&mut db, "SELECT COUNT(*) FROM orders WHERE id = 100007 OR id IS NULL"), [["3"]]);
    assert!(db.execute("SELECT id, total_cents FROM orders GROUP BY id").is_err());
    // Two primary keys, or a UNIQUE (which this console does not keep), are refused.
    let two = months(1, 12)
        .replace("(id bigint)", "(id bigint PRIMARY KEY, created_at timestamp, PRIMARY KEY (id, created_at))");
    assert_eq!(layout(&two).err().as_deref(), Some("multiple primary keys for table \"orders\" are not allowed"));
    let unique = months(1, 12).replace("(id bigint)", "(id bigint, created_at timestamp, UNIQUE (id, created_at))");
    assert_eq!(
        layout(&unique).err().as_deref(),
        Some("UNIQUE constraints are PostgreSQL, but this console keeps only a PRIMARY KEY: declare that")
    );
}

#[test]
fn pruning_reads_only_the_partition_key_and_says_how_many_it_scanned() {
    let mut db = layout(&months(1, 12)).unwrap();
    let out = db
        .execute("EXPLAIN SELECT COUNT(*) FROM orders WHERE created_at >= '2025-03-01' AND created_at < '2025-05-01'")
        .unwrap();
    assert!(out.plan.render().contains("Partitions scanned: 2 of 12: orders_03, orders_04"), "{}", out.plan.render());
    // A condition on another column, even the primary key, prunes nothing.
    let by_id = db.execute("EXPLAIN SELECT * FROM orders WHERE id = 5").unwrap();
    assert!(by_id.plan.render().contains("Partitions scanned: 12 of 12"), "{}", by_id.plan.render());
}

#[test]
fn hash_partitions_prune_only_on_equality() {
    let ddl = "CREATE TABLE posts (id bigint) PARTITION BY HASH (id);\
               CREATE TABLE p0 PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 0);\
               CREATE TABLE p1 PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 1);\
               CREATE TABLE p2 PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 2);\
               CREATE TABLE p3 PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 3);";
    let mut db = layout(ddl).unwrap();
    let scanned =
        |db: &mut Database, sql: &str| db.execute(sql).unwrap().plan.parts[0].work.reads[0].partitions_scanned.clone();
    // PostgreSQL puts id 2 in remainder 2 and ids 1 and 12 in remainder 0.
    assert_eq!(scanned(&mut db, "EXPLAIN SELECT * FROM posts WHERE id = 2"), ["p2"]);
    assert_eq!(scanned(&mut db, "EXPLAIN SELECT * FROM posts WHERE id IN (1, 12)"), ["p0"]);
    assert_eq!(scanned(&mut db, "EXPLAIN SELECT * FROM posts WHERE id < 3").len(), 4);
    assert_eq!(scanned(&mut db, "EXPLAIN SELECT * FROM posts WHERE id IS NULL"), ["p0"]);
}

#[test]
fn hash_moduli_must_each_divide_the_next_larger() {
    let base = "CREATE TABLE posts (id bigint) PARTITION BY HASH (id);\
                CREATE TABLE h0 PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 0);";
    let err =
        layout(&(base.to_string() + "CREATE TABLE h5 PARTITION OF posts FOR VALUES WITH (MODULUS 3, REMAINDER 1);"))
            .unwrap_err();
    assert_eq!(err, "every hash partition modulus must be a factor of the next larger modulus\nDETAIL:  The new modulus 3 is not a factor of 4, the modulus of existing partition \"h0\".");
    let err =
        layout(&(base.to_string() + "CREATE TABLE h6 PARTITION OF posts FOR VALUES WITH (MODULUS 6, REMAINDER 1);"))
            .unwrap_err();
    assert_eq!(err, "every hash partition modulus must be a factor of the next larger modulus\nDETAIL:  The new modulus 6 is not divisible by 4, the modulus of existing partition \"h0\".");
    let err =
        layout(&(base.to_string() + "CREATE TABLE h8 PARTITION OF posts FOR VALUES WITH (MODULUS 2, REMAINDER 0);"))
            .unwrap_err();
    assert_eq!(err, "partition \"h8\" would overlap partition \"h0\"");
    let err =
        layout(&(base.to_string() + "CREATE TABLE h9 PARTITION OF posts FOR VALUES WITH (MODULUS 8, REMAINDER 9);"))
            .unwrap_err();
    assert_eq!(err, "remainder for hash partition must be less than modulus");
    let err =
        layout(&(base.to_string() + "CREATE TABLE hz PARTITION OF posts FOR VALUES WITH (MODULUS 0, REMAINDER 0);"))
            .unwrap_err();
    assert_eq!(err, "modulus for hash partition must be an integer value greater than zero");
    let err = layout(&(base.to_string() + "CREATE TABLE hd PARTITION OF posts DEFAULT;")).unwrap_err();
    assert_eq!(err, "a hash-partitioned table may not have a default partition");
    // 8 → 16 one partition at a time: remainders r and r + 8 … here 2 → 4 for remainder 1.
    let ok = "CREATE TABLE posts (id bigint) PARTITION BY HASH (id);\
              CREATE TABLE a PARTITION OF posts FOR VALUES WITH (MODULUS 2, REMAINDER 0);\
              CREATE TABLE b PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 1);\
              CREATE TABLE c PARTITION OF posts FOR VALUES WITH (MODULUS 4, REMAINDER 3);";
    layout(ok).unwrap();
}

#[test]
fn overlapping_and_empty_bounds_are_refused_with_postgresqls_words() {
    let two = RANGE_PARENT.to_string()
        + "CREATE TABLE r1 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');";
    let err = layout(
        &(two.clone() + "CREATE TABLE r2 PARTITION OF orders FOR VALUES FROM ('2025-01-15') TO ('2025-03-01');"),
    )
    .unwrap_err();
    assert_eq!(err, "partition \"r2\" would overlap partition \"r1\"");
    let err = layout(
        &(two.clone() + "CREATE TABLE r3 PARTITION OF orders FOR VALUES FROM ('2025-03-01') TO ('2025-02-01');"),
    )
    .unwrap_err();
    assert_eq!(err, "empty range bound specified for partition \"r3\"\nDETAIL:  Specified lower bound ('2025-03-01 00:00:00') is greater than or equal to upper bound ('2025-02-01 00:00:00').");
    let err = layout(&(two.clone() + "CREATE TABLE r4 PARTITION OF orders FOR VALUES IN ('2025-01-01');")).unwrap_err();
    assert_eq!(err, "invalid bound specification for a range partition");
    let err = layout(
        &(two.clone() + "CREATE TABLE rd PARTITION OF orders DEFAULT; CREATE TABLE rd2 PARTITION OF orders DEFAULT;"),
    )
    .unwrap_err();
    assert_eq!(err, "partition \"rd2\" conflicts with existing default partition \"rd\"");
    let list = "CREATE TABLE users (id bigint) PARTITION BY LIST (country);\
                CREATE TABLE l1 PARTITION OF users FOR VALUES IN ('US', 'DE');";
    let err =
        layout(&(list.to_string() + "CREATE TABLE l2 PARTITION OF users FOR VALUES IN ('FR', 'DE');")).unwrap_err();
    assert_eq!(err, "partition \"l2\" would overlap partition \"l1\"");
    let err = layout("CREATE TABLE orders (id bigint) PARTITION BY RANGE (nope);").unwrap_err();
    assert!(err.starts_with("column \"nope\" named in partition key does not exist"), "{err}");
    let err = layout("CREATE TABLE p PARTITION OF users FOR VALUES IN (1);").unwrap_err();
    assert!(err.starts_with("\"users\" is not partitioned"), "{err}");
}

#[test]
fn list_partitions_route_each_value_and_an_update_of_the_key_moves_the_row() {
    let ddl = "CREATE TABLE users (id bigint) PARTITION BY LIST (country);\
               CREATE TABLE users_us PARTITION OF users FOR VALUES IN ('US');\
               CREATE TABLE users_rest PARTITION OF users DEFAULT;";
    let mut db = layout(ddl).unwrap();
    let out = db.execute("EXPLAIN SELECT COUNT(*) FROM users WHERE country = 'US'").unwrap();
    assert!(out.plan.render().contains("Partitions scanned: 1 of 2: users_us"), "{}", out.plan.render());
    let id = rows_of(&mut db, "SELECT id FROM users WHERE country = 'US' ORDER BY id LIMIT 1")[0][0].clone();
    db.execute(&format!("UPDATE users SET country = 'DE' WHERE id = {id}")).unwrap();
    let moved = db.execute(&format!("EXPLAIN SELECT * FROM users WHERE country = 'DE' AND id = {id}")).unwrap();
    assert_eq!(moved.plan.parts[0].work.rows_examined, 1, "{}", moved.plan.render());
    assert!(moved.plan.render().contains("users_rest"));
}

#[test]
fn a_partitioned_table_answers_as_the_whole_table_does() {
    let mut parted = layout(&(months(1, 12))).unwrap();
    let mut single = database(1_000, LayoutConfig::Single);
    for sql in [
        "SELECT COUNT(*), SUM(total_cents), AVG(total_cents) FROM orders",
        "SELECT user_id, COUNT(*) FROM orders WHERE created_at BETWEEN '2025-02-10' AND '2025-06-01' GROUP BY user_id ORDER BY user_id",
        "SELECT id FROM orders WHERE created_at > '2025-12-30' ORDER BY id",
    ] {
        assert_eq!(rows_of(&mut parted, sql), rows_of(&mut single, sql), "{sql}");
    }
}

#[test]
fn a_layout_error_points_where_postgresql_points_counting_from_the_layouts_start() {
    let at = |ddl: &str| {
        let config =
            DataConfig { rows: 300, layout: LayoutConfig::Partitioned { ddl: ddl.into() }, ..DataConfig::default() };
        Database::build(&config, 7).map(|_| ()).unwrap_err().position
    };
    let second = "CREATE TABLE r2 PARTITION OF orders FOR VALUES FROM ('2025-01-15') TO ('2025-03-01');";
    let two = RANGE_PARENT.to_string()
        + "CREATE TABLE r1 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');";
    // The overlap points at the second bound's FROM, counted from the start of the whole layout.
    let ddl = two.clone() + second;
    assert_eq!(at(&ddl), ddl.find(second).unwrap() + second.find("FROM").unwrap() + 1);
    // A bound of the wrong kind points at its IN; a value at the value.
    let list = RANGE_PARENT.to_string() + "CREATE TABLE l PARTITION OF orders FOR VALUES IN ('2025-01-01');";
    assert_eq!(at(&list), list.find("IN (").unwrap() + 1);
    let typo =
        RANGE_PARENT.to_string() + "CREATE TABLE t PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('20x');";
    assert_eq!(at(&typo), typo.find("'20x'").unwrap() + 1);
    // DEFAULT on a hash table, and a number's overflow, point nowhere.
    let hash = "CREATE TABLE posts (id bigint) PARTITION BY HASH (id); CREATE TABLE d PARTITION OF posts DEFAULT;";
    assert_eq!(at(hash), 0);
    let overflow = "CREATE TABLE posts (id bigint) PARTITION BY RANGE (id);\
                    CREATE TABLE o PARTITION OF posts FOR VALUES FROM (2147483647 + 1) TO (3000000000);";
    assert_eq!(at(overflow), 0);
    // A modulus or remainder out of range, and a relation named twice, point nowhere.
    let modulus = "CREATE TABLE posts (id bigint) PARTITION BY HASH (id);\
                   CREATE TABLE h PARTITION OF posts FOR VALUES WITH (MODULUS 0, REMAINDER 0);";
    assert_eq!(at(modulus), 0);
    assert_eq!(at(&(two.clone() + "CREATE TABLE r1 PARTITION OF orders DEFAULT;")), 0);
}

/// The partitions PostgreSQL's planner reads for each WHERE, as its EXPLAIN lists them: each
/// case was run on a PostgreSQL 15 server with the same DDL.
#[test]
fn pruning_reads_the_partitions_postgresql_reads() {
    let hash = "CREATE TABLE orders (id bigint) PARTITION BY HASH (id);\
                CREATE TABLE o_0 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 0);\
                CREATE TABLE o_1 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 1);\
                CREATE TABLE o_2 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 2);\
                CREATE TABLE o_3 PARTITION OF orders FOR VALUES WITH (MODULUS 4, REMAINDER 3);";
    let ranges = "CREATE TABLE orders (id bigint) PARTITION BY RANGE (user_id);\
                  CREATE TABLE o_a PARTITION OF orders FOR VALUES FROM (1) TO (50);\
                  CREATE TABLE o_b PARTITION OF orders FOR VALUES FROM (50) TO (100);\
                  CREATE TABLE o_c PARTITION OF orders FOR VALUES FROM (150) TO (400);\
                  CREATE TABLE o_d PARTITION OF orders DEFAULT;";
    let countries = "CREATE TABLE users (id bigint) PARTITION BY LIST (country);\
                     CREATE TABLE u_na PARTITION OF users FOR VALUES IN ('US', 'CA');\
                     CREATE TABLE u_de PARTITION OF users FOR VALUES IN ('DE');\
                     CREATE TABLE u_d PARTITION OF users DEFAULT;";
    let with_key = |ddl: &str, key: &str| ddl.replacen("(id bigint)", &format!("(id bigint, PRIMARY KEY ({key}))"), 1);
    let months_with_default = months(1, 12) + "CREATE TABLE orders_def PARTITION OF orders DEFAULT;";
    let not_null_ids = hash.replacen("(id bigint)", "(id bigint CONSTRAINT id_set NOT NULL)", 1);
    let cases: &[(&str, &str, &[&str])] = &[
        // Clauses that contradict each other: constraint exclusion reads no partition.
        (hash, "SELECT * FROM orders WHERE id < -3 AND -3 < id", &[]),
        (hash, "SELECT * FROM orders WHERE id = NULL", &[]),
        // Pruning reads an OR arm by arm and does not see the contradiction inside one.
        (hash, "SELECT * FROM orders WHERE (id = 199 AND id BETWEEN 49 AND 150) OR id IS NULL", &["o_0", "o_3"]),
        // NOT is pushed down: NOT (id <> 1) is id = 1.
        (hash, "SELECT * FROM orders WHERE NOT (id <> 1)", &["o_0"]),
        // A numeric constant casts the bigint key to numeric, which no partition bound is.
        (hash, "SELECT * FROM orders WHERE id IN (2.5, 399)", &["o_0", "o_1", "o_2", "o_3"]),
        // <> prunes list partitions only.
        (countries, "SELECT * FROM users WHERE country <> 'DE'", &["u_na", "u_d"]),
        (hash, "SELECT * FROM orders WHERE id <> 1", &["o_0", "o_1", "o_2", "o_3"]),
        // The DEFAULT partition holds the gaps, and is read only for a range that reaches one.
        (ranges, "SELECT * FROM orders WHERE user_id >= 10 AND user_id < 20", &["o_a"]),
        (ranges, "SELECT * FROM orders WHERE user_id >= 110 AND user_id < 120", &["o_d"]),
        (
            &months_with_default,
            "SELECT * FROM orders WHERE NOT (created_at >= '2025-02-01')",
            &["orders_01", "orders_def"],
        ),
        // NULL keys live in DEFAULT, unless a primary key makes the key column NOT NULL.
        (&months_with_default, "SELECT * FROM orders WHERE created_at IS NULL", &["orders_def"]),
        (&with_key(&months_with_default, "id, created_at"), "SELECT * FROM orders WHERE created_at IS NULL", &[]),
        (&not_null_ids, "SELECT * FROM orders WHERE id IS NULL OR id + 1 < 0", &["o_0", "o_1", "o_2", "o_3"]),
        (&not_null_ids, "SELECT * FROM orders WHERE id IS NULL", &[]),
        // The IS NOT NULL step leaves out the key space past the first and last bounds, so with
        // it an OR of ranges no longer reaches DEFAULT through them; but PostgreSQL 17 drops
        // IS NOT NULL on a NOT NULL key before pruning, and then DEFAULT is read.
        (
            &months_with_default,
            "SELECT * FROM orders WHERE (created_at < '2025-02-01' OR created_at > '2025-11-01') AND created_at IS NOT NULL",
            &["orders_01", "orders_11", "orders_12"],
        ),
        (
            &with_key(&months_with_default, "id, created_at"),
            "SELECT * FROM orders WHERE (created_at < '2025-02-01' OR created_at > '2025-11-01') AND created_at IS NOT NULL",
            &["orders_01", "orders_11", "orders_12", "orders_def"],
        ),
        // PostgreSQL 17: IS NULL on a NOT NULL column (users.id, the key) that no outer join
        // nulls is FALSE, and empties the join; on the nullable side of a LEFT JOIN it is not.
        (ranges, "SELECT o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.id IS NULL", &[]),
        (
            ranges,
            "SELECT o.id FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL",
            &["o_a", "o_b", "o_c", "o_d"],
        ),
        // An expression joins an equivalence class: u.id = o.user_id + 0 with the ON clause gives
        // orders `user_id = user_id + 0`, which its `user_id IS NULL` contradicts.
        (ranges, "SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_id IS NULL", &["o_d"]),
        (
            ranges,
            "SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = o.user_id + 0 AND o.user_id IS NULL",
            &[],
        ),
        // Joins: an equality with a constant reaches the joined table through the ON clause
        // (an equivalence class), a WHERE that rejects NULLs makes a LEFT JOIN an inner one,
        // and two constants for one class leave nothing to read.
        (
            &months_with_default,
            "SELECT o.id FROM orders o JOIN users u ON o.created_at = u.created_at WHERE u.created_at = '2025-03-03'",
            &["orders_03"],
        ),
        (
            &months_with_default,
            "SELECT o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE o.created_at < '2025-02-01'",
            &["orders_01", "orders_def"],
        ),
        (
            &months_with_default,
            "SELECT o.id FROM users u JOIN orders o ON o.created_at = u.created_at \
             WHERE u.created_at = '2025-03-03' AND o.created_at = '2025-04-04'",
            &[],
        ),
        // An OR across both tables restricts orders to what each arm says of it…
        (
            &months_with_default,
            "SELECT o.id FROM orders o JOIN users u ON o.user_id = u.id \
             WHERE (o.created_at < '2025-02-01' AND u.id = 1) OR (o.created_at >= '2025-12-01' AND u.id = 2)",
            &["orders_01", "orders_12", "orders_def"],
        ),
        // …unless that would pass most rows (here `<>`, estimated to pass 99.5%).
        (
            hash,
            "SELECT o.id FROM users u JOIN orders o ON o.user_id = u.id \
             WHERE o.id IS NULL AND u.id = 7 AND (o.id <> 1 OR (o.id > 400 AND o.user_id = u.id))",
            &["o_0"],
        ),
    ];
    for (ddl, query, expected) in cases {
        let mut db = layout(ddl).unwrap();
        let out = db.execute(&format!("EXPLAIN {query}")).unwrap();
        let read = out.plan.parts[0].work.reads.iter().find(|r| r.partitions_total > 1).map(|r| &r.partitions_scanned);
        assert_eq!(read.cloned().unwrap_or_default(), *expected, "{query}");
    }
}

#[test]
fn a_column_declared_not_null_refuses_null_as_postgresql_does() {
    let ddl = "CREATE TABLE orders (id bigint, user_id bigint NOT NULL, total_cents bigint NULL) PARTITION BY LIST (user_id);\
               CREATE TABLE o_a PARTITION OF orders FOR VALUES IN (1, 2, 3);\
               CREATE TABLE o_d PARTITION OF orders DEFAULT;";
    let mut db = layout(ddl).unwrap();
    let err = db.execute("INSERT INTO orders VALUES (1000001, NULL, 5, '2025-01-01')").unwrap_err();
    assert_eq!(
        err.message,
        "null value in column \"user_id\" of relation \"o_d\" violates not-null constraint\nDETAIL:  Failing row contains (1000001, null, 5, 2025-01-01 00:00:00)."
    );
    // total_cents is declared NULL: it may be.
    db.execute("INSERT INTO orders VALUES (1000001, 2, NULL, '2025-01-01')").unwrap();
}

#[test]
fn an_update_or_delete_shows_the_partitions_it_reached() {
    let mut db = layout(&months(1, 12)).unwrap();
    let update = db.execute("EXPLAIN UPDATE orders SET total_cents = 1 WHERE created_at < '2025-02-01'").unwrap();
    assert_eq!(update.plan.parts[0].work.reads[0].partitions_scanned, ["orders_01"]);
    let delete = db.execute("EXPLAIN DELETE FROM orders WHERE created_at = '2025-07-04'").unwrap();
    assert!(delete.plan.render().contains("(Partitions scanned: 1 of 12: orders_07)"), "{}", delete.plan.render());
}

/// A bound's values as PostgreSQL's `transformPartitionBound` reads them: the kind first, then
/// the count, columns, aggregates, the cast to the key's type and NULL; then which partition an
/// overlap names. Each message was read off a PostgreSQL 15 server given the same DDL.
#[test]
fn partition_bounds_are_read_as_postgresql_reads_them() {
    let table = |table: &str, strategy: &str, partitions: &[&str]| {
        let mut ddl = format!("CREATE TABLE {table} (id bigint) PARTITION BY {strategy};");
        for (i, bound) in partitions.iter().enumerate() {
            ddl += &format!("CREATE TABLE {} PARTITION OF {table} {bound};", ["a", "b", "c"][i]);
        }
        layout(&ddl).err().unwrap_or_else(|| "accepted".into())
    };
    let orders = |strategy: &str, partitions: &[&str]| table("orders", strategy, partitions);
    let users = |strategy: &str, partitions: &[&str]| table("users", strategy, partitions);
    let range = |partitions: &[&str]| orders("RANGE (user_id)", partitions);
    let list = |partitions: &[&str]| orders("LIST (user_id)", partitions);
    for (got, postgres) in [
        (list(&["FOR VALUES FROM (NULL) TO (1)"]), "invalid bound specification for a list partition"),
        (range(&["FOR VALUES FROM (1, 2) TO (3)"]), "FROM must specify exactly one value per partitioning column"),
        (range(&["FOR VALUES FROM (1) TO (3, 4)"]), "TO must specify exactly one value per partitioning column"),
        (range(&["FOR VALUES FROM (NULL) TO ('x')"]), "cannot specify NULL in range bound"),
        (range(&["FOR VALUES FROM (1) TO ('x')"]), "invalid input syntax for type bigint: \"x\""),
        (range(&["FOR VALUES FROM (user_id) TO (2)"]), "cannot use column reference in partition bound expression"),
        (range(&["FOR VALUES FROM (o.minvalue) TO (2)"]), "cannot use column reference in partition bound expression"),
        (list(&["FOR VALUES IN (COUNT(*))"]), "aggregate functions are not allowed in partition bound"),
        (range(&["FOR VALUES FROM (true) TO (2)"]), "specified value cannot be cast to type bigint for column \"user_id\""),
        (
            orders("RANGE (created_at)", &["FOR VALUES FROM (1) TO (2)"]),
            "specified value cannot be cast to type timestamp without time zone for column \"created_at\"",
        ),
        (range(&["FOR VALUES FROM (2147483647 + 1) TO (3000000000)"]), "integer out of range"),
        (range(&["FOR VALUES FROM (99999999999999999999) TO (1)"]), "bigint out of range"),
        (range(&["FOR VALUES FROM (1/0) TO (2)"]), "division by zero"),
        // bigint bounds are quoted, and quotes doubled, as ruleutils.c prints a constant
        (
            range(&["FOR VALUES FROM (-1) TO (-5)"]),
            "empty range bound specified for partition \"a\"\nDETAIL:  Specified lower bound ('-1') is greater than or equal to upper bound ('-5').",
        ),
        (
            users("RANGE (country)", &["FOR VALUES FROM ('o''b') TO ('a')"]),
            "empty range bound specified for partition \"a\"\nDETAIL:  Specified lower bound ('o''b') is greater than or equal to upper bound ('a').",
        ),
        // numbers round into a bigint key, so 1.4 and 1.5 are the bounds 1 and 2
        (
            range(&["FOR VALUES FROM (1.4) TO (1.5)", "FOR VALUES FROM (1) TO (2)"]),
            "partition \"b\" would overlap partition \"a\"",
        ),
        (list(&["FOR VALUES IN (2.5)", "FOR VALUES IN (3)"]), "partition \"b\" would overlap partition \"a\""),
        (users("LIST (country)", &["FOR VALUES IN (1.50)", "FOR VALUES IN ('1.50')"]), "partition \"b\" would overlap partition \"a\""),
        // the overlap named is the first in bound order, or the holder of the first shared value
        (
            range(&["FOR VALUES FROM (50) TO (60)", "FOR VALUES FROM (10) TO (20)", "FOR VALUES FROM (0) TO (100)"]),
            "partition \"c\" would overlap partition \"b\"",
        ),
        (list(&["FOR VALUES IN (1)", "FOR VALUES IN (2)", "FOR VALUES IN (2, 1)"]), "partition \"c\" would overlap partition \"b\""),
        (orders("LIST (user_id, id)", &[]), "cannot use \"list\" partition strategy with more than one column"),
        (orders("HASH (user_id)", &["FOR VALUES WITH (REMAINDER 0, MODULUS 1)"]), "accepted"),
        (orders("HASH (user_id)", &["FOR VALUES WITH (MODULUS 4)"]), "remainder for hash partition must be specified"),
        (orders("HASH (user_id)", &["FOR VALUES WITH (MODULUS 4, MODULUS 2)"]), "modulus for hash partition provided more than once"),
        (orders("HASH (user_id)", &["FOR VALUES WITH (FOO 2, REMAINDER 1)"]), "unrecognized hash partition bound specification \"foo\""),
        (
            orders("RANGE (created_at)", &["FOR VALUES FROM ('2025-01-01') TO ('2025-01-32')"]),
            "date/time field value out of range: \"2025-01-32\"\nHINT:  Perhaps you need a different \"datestyle\" setting.",
        ),
        (
            orders("RANGE (created_at)", &["FOR VALUES FROM ('2025-01-01') TO ('2025-02-30')"]),
            "date/time field value out of range: \"2025-02-30\"",
        ),
    ] {
        assert_eq!(got, postgres);
    }
    // 1 + 1 is a bound, computed before the rows are placed: user 2 is in a, user 1 is not.
    let ddl = "CREATE TABLE orders (id bigint) PARTITION BY LIST (user_id);\
               CREATE TABLE a PARTITION OF orders FOR VALUES IN (1 + 1);\
               CREATE TABLE rest PARTITION OF orders DEFAULT;";
    let mut db = layout(ddl).unwrap();
    let plan = |db: &mut Database, sql: &str| db.execute(sql).unwrap().plan.render();
    assert!(plan(&mut db, "EXPLAIN SELECT * FROM orders WHERE user_id = 2").contains("1 of 2: a"));
    assert!(plan(&mut db, "EXPLAIN SELECT * FROM orders WHERE user_id = 1").contains("1 of 2: rest"));
}
