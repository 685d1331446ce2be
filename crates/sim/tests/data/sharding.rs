//! The router: routing by shard key, scatter and gather, co-location, reference tables, the
//! Vitess refusal to move a row between shards, hot shards, and what resharding moves.

use super::{database, rows_of};
use sim::data::layout::{default_placement, ShardingConfig};
use sim::data::shard::{jump_hash, Strategy, STRATEGIES};
use sim::data::{DataConfig, Database, LayoutConfig};

pub fn sharded(strategy: Strategy, shards: u32) -> LayoutConfig {
    LayoutConfig::Sharded(ShardingConfig { shards, strategy, vnodes: 100, tables: default_placement() })
}

#[test]
fn jump_hash_matches_the_published_algorithm() {
    // Vectors shared by the reference implementations of Lamping & Veach's figure 1.
    let vectors: [(u64, u32, u32); 10] = [
        (1, 1, 0),
        (42, 57, 43),
        (0xDEAD_10CC, 1, 0),
        (0xDEAD_10CC, 666, 361),
        (256, 1024, 520),
        (1, 128, 55),
        (129, 128, 120),
        (128, 100_000_000, 38_172_097),
        (u64::MAX, 128, 92),
        ((-42i64) as u64, 57, 8),
    ];
    for (key, buckets, expected) in vectors {
        assert_eq!(jump_hash(key, buckets), expected, "jump_hash({key}, {buckets})");
    }
}

#[test]
fn a_fixed_shard_key_goes_to_one_shard_an_in_list_to_its_shards_and_the_rest_everywhere() {
    let mut db = database(2_000, sharded(Strategy::KeyRange, 4));
    let one = db.execute("SELECT * FROM orders WHERE user_id = 7").unwrap();
    assert_eq!(one.plan.parts.len(), 1, "{}", one.plan.render());
    assert!(one.plan.route.starts_with("Single shard"), "{}", one.plan.route);
    let listed = db.execute("SELECT * FROM users WHERE id IN (1, 2, 3, 4, 5, 6)").unwrap();
    assert!(listed.plan.parts.len() > 1 && listed.plan.parts.len() <= 4);
    let scattered = db.execute("SELECT * FROM orders WHERE total_cents > 50000").unwrap();
    assert_eq!(scattered.plan.parts.len(), 4);
    assert!(scattered.plan.route.contains("Scatter to 4 of 4"), "{}", scattered.plan.route);
    // Shards are named as Vitess names keyranges.
    let servers: Vec<String> = scattered.plan.parts.iter().map(|p| p.server.to_string()).collect();
    assert_eq!(servers, ["-40", "40-80", "80-c0", "c0-"]);
}

#[test]
fn a_scattered_average_is_the_total_sum_over_the_total_count() {
    let mut db = database(2_000, sharded(Strategy::HashMod, 5));
    let out = db.execute("SELECT AVG(total_cents), COUNT(*) FROM orders").unwrap();
    assert!(
        out.plan.parts.iter().all(|p| &*p.sql == "SELECT SUM(total_cents), COUNT(total_cents), COUNT(*) FROM orders"),
        "{}",
        out.plan.render()
    );
    let mut single = database(2_000, LayoutConfig::Single);
    assert_eq!(
        rows_of(&mut db, "SELECT AVG(total_cents) FROM orders"),
        rows_of(&mut single, "SELECT AVG(total_cents) FROM orders")
    );
}

#[test]
fn order_by_limit_merges_sorted_streams_and_adds_the_sort_column_each_shard_needs() {
    let mut db = database(2_000, sharded(Strategy::Jump, 3));
    let out = db.execute("SELECT id FROM orders ORDER BY created_at DESC, id LIMIT 5").unwrap();
    assert_eq!(
        out.plan.parts[0].sql.as_ref(),
        "SELECT id, created_at FROM orders ORDER BY created_at DESC, id LIMIT 5"
    );
    assert_eq!(out.result.rows.len(), 5);
    assert_eq!(*out.result.columns, ["id"]);
}

#[test]
fn grouping_by_the_shard_key_finishes_on_the_shards_and_answers_as_one_server_does() {
    let mut db = database(3_000, sharded(Strategy::HashMod, 4));
    let mut single = database(3_000, LayoutConfig::Single);
    let whole = [
        "SELECT user_id, COUNT(*) FROM orders GROUP BY user_id",
        "SELECT o.user_id, AVG(total_cents), MAX(total_cents) FROM orders o GROUP BY o.user_id ORDER BY 2 DESC, 1 LIMIT 7",
        "SELECT user_id, SUM(total_cents) FROM orders WHERE total_cents > 20000 GROUP BY user_id ORDER BY SUM(total_cents) LIMIT 5",
        "SELECT u.id, u.name, COUNT(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id ORDER BY 3 DESC, 1 LIMIT 4",
        "SELECT u.country, u.id, COUNT(*) FROM users u GROUP BY u.country, u.id ORDER BY 1, 2 LIMIT 6",
    ];
    for sql in whole {
        let out = db.execute(sql).unwrap();
        assert_eq!(out.plan.parts.len(), 4, "{sql}");
        let gather = out.plan.gather.clone().unwrap_or_default();
        assert!(gather.starts_with("each group is whole on one shard"), "{sql}: {gather}");
        // The shards run the query itself, with its aggregates: no partials to combine.
        assert!(!out.plan.parts[0].sql.contains("COUNT(total_cents)"), "{sql}: {}", out.plan.parts[0].sql);
        let (mut got, mut expected) = (rows_of(&mut db, sql), rows_of(&mut single, sql));
        if !sql.contains("ORDER BY") {
            // Without ORDER BY, SQL promises the rows, not their order.
            got.sort();
            expected.sort();
        }
        assert_eq!(got, expected, "{sql}");
    }
    // Groups that may span shards still travel as partials and are combined at the router.
    let spread = [
        "SELECT country, COUNT(*) FROM users GROUP BY country ORDER BY 2 DESC, 1",
        "SELECT o.user_id, COUNT(*) FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY o.user_id ORDER BY 2 DESC, 1 LIMIT 3",
    ];
    for sql in spread {
        let out = db.execute(sql).unwrap();
        let gather = out.plan.gather.clone().unwrap_or_default();
        assert!(gather.starts_with("combined the shards' partial aggregates"), "{sql}: {gather}");
        assert_eq!(rows_of(&mut db, sql), rows_of(&mut single, sql), "{sql}");
    }
}

#[test]
fn changing_a_shard_key_is_refused_as_vitess_refuses_it_and_changes_nothing() {
    let mut db = database(1_000, sharded(Strategy::HashMod, 4));
    let before = rows_of(&mut db, "SELECT * FROM orders WHERE id = 3");
    let err = db.execute("UPDATE orders SET user_id = 99, total_cents = 1 WHERE id = 3").unwrap_err();
    assert!(
        err.message.starts_with(
            "VT12001: unsupported: you cannot UPDATE primary vindex columns; invalid update on vindex: hash_mod\n"
        ),
        "{err}"
    );
    assert!(err.message.contains("DELETE the row, then INSERT it"), "{err}");
    assert_eq!(rows_of(&mut db, "SELECT * FROM orders WHERE id = 3"), before);
    // Other columns update where the rows are.
    assert_eq!(db.execute("UPDATE orders SET total_cents = 1 WHERE id = 3").unwrap().affected, Some(1));
}

#[test]
fn a_reference_table_is_on_every_shard_and_a_write_to_it_goes_to_all() {
    let mut db = database(1_000, sharded(Strategy::KeyRange, 4));
    let join = db
        .execute("SELECT c.name, COUNT(*) FROM users u JOIN countries c ON c.code = u.country GROUP BY c.name")
        .unwrap();
    assert!(
        join.plan.parts.iter().all(|p| p.server != "router"),
        "the join stays on the shards: {}",
        join.plan.render()
    );
    let insert = db.execute("INSERT INTO countries VALUES ('PT', 'Portugal')").unwrap();
    assert_eq!(insert.plan.parts.len(), 4);
    assert_eq!(insert.affected, Some(1));
    assert_eq!(rows_of(&mut db, "SELECT name FROM countries WHERE code = 'PT'"), [["Portugal"]]);
}

#[test]
fn colocated_tables_join_on_each_shard_and_other_joins_move_rows_to_the_router() {
    let mut db = database(2_000, sharded(Strategy::KeyRange, 4));
    let local = db.execute("SELECT u.name, o.total_cents FROM users u JOIN orders o ON o.user_id = u.id").unwrap();
    assert_eq!(local.plan.rows_moved, local.result.rows.len() as u64, "only the result travels");
    let across = db.execute("SELECT p.title, c.body FROM posts p JOIN comments c ON c.post_id = p.id").unwrap();
    assert!(across.plan.route.starts_with("Cross-shard join"));
    assert!(across.plan.parts.iter().any(|p| p.server == "router"));
    assert!(across.plan.rows_moved > 1_000, "both tables travel: {}", across.plan.rows_moved);
}

#[test]
fn a_poor_shard_key_makes_a_hot_shard() {
    let mut tables = default_placement();
    tables.insert("users".into(), "country".into());
    let db = database(
        5_000,
        LayoutConfig::Sharded(ShardingConfig { shards: 4, strategy: Strategy::HashMod, vnodes: 100, tables }),
    );
    let users: Vec<usize> =
        db.servers().iter().map(|(_, t)| t.iter().find(|(n, _)| n == "users").map_or(0, |x| x.1)).collect();
    let mean = users.iter().sum::<usize>() as f64 / users.len() as f64;
    let max = *users.iter().max().unwrap() as f64;
    assert!(max / mean > 1.3, "users per shard {users:?}");
    // Every US user (the most popular country) is on that one shard.
    let mut db = db;
    let us = db.execute("SELECT COUNT(*) FROM users WHERE country = 'US'").unwrap();
    assert_eq!(us.plan.parts.len(), 1);
    let hottest = db
        .servers()
        .iter()
        .max_by_key(|(_, t)| t.iter().find(|(n, _)| n == "users").map_or(0, |x| x.1))
        .unwrap()
        .0
        .clone();
    assert_eq!(us.plan.parts[0].server, hottest);
    let by_id = database(5_000, sharded(Strategy::HashMod, 4));
    let even: Vec<usize> =
        by_id.servers().iter().map(|(_, t)| t.iter().find(|(n, _)| n == "users").map_or(0, |x| x.1)).collect();
    let even_max = *even.iter().max().unwrap() as f64 / (even.iter().sum::<usize>() as f64 / 4.0);
    assert!(even_max < 1.15, "users per shard by id {even:?}");
}

/// Keys moved going from 4 to 5 shards over 20,000 rows (1,998 user ids): mod N moves about
/// 4/5, consistent hashing with 100 virtual nodes and jump hash about 1/5 (tolerance ±0.04,
/// about three standard deviations of a binomial over 2,000 keys plus the ring's imbalance).
#[test]
fn resharding_four_to_five_moves_the_fractions_theory_gives() {
    let expected =
        [(Strategy::HashMod, 0.8), (Strategy::Consistent, 0.2), (Strategy::Jump, 0.2), (Strategy::Directory, 0.2)];
    for (strategy, fraction) in expected {
        let mut db =
            Database::build(&DataConfig { rows: 20_000, layout: sharded(strategy, 4), ..DataConfig::default() }, 3)
                .unwrap();
        let before = rows_of(&mut db, "SELECT COUNT(*), SUM(total_cents) FROM orders");
        let report = db.cluster_mut().unwrap().reshard(5).unwrap();
        let moved = report.keys_moved as f64 / report.keys as f64;
        assert!((moved - fraction).abs() < 0.04, "{strategy:?}: {moved:.3} of {} keys moved", report.keys);
        assert_eq!(
            rows_of(&mut db, "SELECT COUNT(*), SUM(total_cents) FROM orders"),
            before,
            "{strategy:?} lost or duplicated rows"
        );
    }
}

/// Vitess splits `-80` into two new shards, `-40` and `40-80`, and copies `-80`'s rows into
/// them; `80-` is untouched. Exactly the split shard's rows move.
#[test]
fn a_keyrange_split_moves_only_the_split_shards_keys() {
    let mut db = Database::build(
        &DataConfig { rows: 20_000, layout: sharded(Strategy::KeyRange, 2), ..DataConfig::default() },
        3,
    )
    .unwrap();
    let sharded_rows = |db: &Database, shard: &str| -> u64 {
        let servers = db.servers();
        let (_, tables) = servers.iter().find(|(n, _)| n == shard).expect("shard");
        tables.iter().filter(|(t, _)| t != "countries").map(|(_, n)| *n as u64).sum()
    };
    let names: Vec<String> = db.servers().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, ["-80", "80-"]);
    let on_split_shard = sharded_rows(&db, "-80");
    let on_other = sharded_rows(&db, "80-");
    let report = db.cluster_mut().unwrap().reshard(3).unwrap();
    let after: Vec<String> = db.servers().iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(after, ["-40", "40-80", "80-"], "-80 splits into -40 and 40-80");
    assert_eq!(report.rows_moved, on_split_shard);
    assert_eq!(sharded_rows(&db, "80-"), on_other);
    assert_eq!(sharded_rows(&db, "-40") + sharded_rows(&db, "40-80"), on_split_shard);
}

#[test]
fn every_strategy_keeps_every_row_once() {
    for strategy in STRATEGIES {
        for shards in [1, 2, 7, 16] {
            let mut db = database(600, sharded(strategy, shards));
            let counts = rows_of(&mut db, "SELECT COUNT(*) FROM comments");
            let mut single = database(600, LayoutConfig::Single);
            assert_eq!(counts, rows_of(&mut single, "SELECT COUNT(*) FROM comments"), "{strategy:?} × {shards}");
        }
    }
}

/// The console's `\reshard N` moves the rows while the data stays, and a link that holds it
/// replays it: the same shards, the same answers.
#[test]
fn the_console_reshards_and_a_link_replays_it() {
    use sim::data::console::Console;
    let queries =
        ["\\reshard 5", "SELECT COUNT(*) FROM orders", "\\reshard 0", "\\reshard 2"].map(String::from).to_vec();
    let config = DataConfig { rows: 2_000, layout: sharded(Strategy::Jump, 4), queries, ..DataConfig::default() };
    let console = Console::new(&config, 9).unwrap();
    let answers: Vec<String> = console
        .entries
        .iter()
        .map(|e| match &e.outcome {
            Ok(a) => a.plan_text.clone(),
            Err(e) => e.clone(),
        })
        .collect();
    assert!(answers[0].starts_with("Route: Resharded from 4 to 5 shards (jump consistent hash)"), "{}", answers[0]);
    assert!(answers[0].contains("keys moved:"));
    assert!(answers[2].contains("a shard count from 1 to 64"), "{}", answers[2]);
    assert_eq!(console.db.servers().len(), 2);
    let again = Console::new(&config, 9).unwrap();
    assert_eq!(again.entries, console.entries);
    let mut single = database(2_000, LayoutConfig::Single);
    let Ok(count) = &console.entries[1].outcome else { panic!("the count runs") };
    assert_eq!(count.rows, rows_of(&mut single, "SELECT COUNT(*) FROM orders"));
}

/// `\traffic N` under Zipf-popular keys: with users sharded by country, the shard holding the
/// most popular country examines most of the rows; sharded by id, the work is far more even.
#[test]
fn traffic_shows_the_hot_shard_a_poor_key_makes() {
    use sim::data::console::Console;
    let share_of_busiest = |tables: std::collections::BTreeMap<String, String>| {
        let layout =
            LayoutConfig::Sharded(ShardingConfig { shards: 4, strategy: Strategy::HashMod, vnodes: 100, tables });
        let config = DataConfig { rows: 5_000, layout, queries: vec!["\\traffic 400".into()], ..DataConfig::default() };
        let console = Console::new(&config, 5).unwrap();
        let Ok(answer) = &console.entries[0].outcome else { panic!("traffic runs") };
        assert!(answer.plan_text.contains("400 reads with Zipf-popular keys"), "{}", answer.plan_text);
        let rows: Vec<u64> = console.load.values().map(|l| l.rows_examined).collect();
        *rows.iter().max().unwrap() as f64 / rows.iter().sum::<u64>() as f64
    };
    let mut by_country = default_placement();
    by_country.insert("users".into(), "country".into());
    let poor = share_of_busiest(by_country);
    let good = share_of_busiest(default_placement());
    assert!(poor > 0.45, "the country shard does {poor:.2} of the work");
    assert!(poor > good + 0.1, "by country {poor:.2}, by id {good:.2}");
}
