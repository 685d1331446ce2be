//! The router in front of the shards, as Vitess's VTGate or a Citus coordinator works: a query
//! whose WHERE fixes the shard key goes to one shard, an IN list to the shards it names, and
//! anything else is scattered to every shard and gathered. Gathering merges ORDER BY … LIMIT
//! across shards and finishes aggregates from partials (COUNT summed, AVG the total SUM over
//! the total COUNT). Co-located tables and reference tables join on each shard; any other join
//! gathers both sides' rows to the router, and those rows are counted and charged.

mod merge;
mod placer;
mod reshard;

use merge::{finish_partials, merge_ordered, order_query, partial_query, Merge};
pub use placer::{Placer, ReshardReport};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::exec::bind::Scope;
use super::exec::{references, single_scope, Node, ResultSet, Shaper};
use super::keys::KeyFilter;
use super::layout::{Outcome, Part, Plan, ShardingConfig};
use super::schema::TableDef;
use super::shard::Strategy;
use super::sql::ast::{Expr, Insert, JoinKind, Select, SelectItem, Statement};
use super::sql::SqlError;
use super::table::{Row, Table};
use super::value::{row_width, GroupKey, Value};
use super::Cost;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// sharded by this column
    Sharded(usize),
    /// copied whole to every shard
    Reference,
}

#[derive(Clone)]
pub struct Shard {
    pub name: String,
    pub node: Node,
}

#[derive(Clone)]
pub struct Cluster {
    pub config: ShardingConfig,
    pub shards: Vec<Shard>,
    pub placement: BTreeMap<String, Placement>,
    placer: Placer,
    /// the directory strategy's lookup table: shard-key value → shard
    directory: HashMap<GroupKey, u32>,
    schema: Vec<Rc<TableDef>>,
    /// shards that are down (crashed while the run goes on): a query that needs one fails
    down: BTreeSet<u32>,
}

/// Which shards a table's part of a query goes to.
#[derive(Clone, Debug, PartialEq)]
enum Targets {
    All,
    These(Vec<u32>),
}

impl Cluster {
    pub fn build(
        config: &ShardingConfig,
        schema: &[Rc<TableDef>],
        tables: Vec<(Rc<TableDef>, Vec<Row>)>,
    ) -> Result<Cluster, SqlError> {
        if config.shards == 0 {
            return Err(SqlError::new("a sharded layout needs at least one shard"));
        }
        let mut placement = BTreeMap::new();
        for def in schema {
            let spec = config.tables.get(&def.name).map(String::as_str).unwrap_or("reference");
            let place = if spec == "reference" {
                Placement::Reference
            } else {
                Placement::Sharded(def.column(spec).ok_or_else(|| {
                    SqlError::new(format!(
                        "cannot shard {} by \"{spec}\": it has no such column. Pick one of {}, or \"reference\" to copy it to every shard",
                        def.name,
                        def.column_names().join(", ")
                    ))
                })?)
            };
            placement.insert(def.name.clone(), place);
        }
        let placer = Placer::new(config.strategy, config.shards, config.vnodes.max(1));
        let mut cluster = Cluster {
            config: config.clone(),
            shards: placer.shard_names().into_iter().map(|name| Shard { name, node: Node::default() }).collect(),
            placement,
            placer,
            directory: HashMap::new(),
            down: BTreeSet::new(),
            schema: schema.to_vec(),
        };
        cluster.load(tables)?;
        Ok(cluster)
    }

    /// Empty shards with every table, then every row in its place.
    fn load(&mut self, tables: Vec<(Rc<TableDef>, Vec<Row>)>) -> Result<(), SqlError> {
        for (def, rows) in tables {
            let indexed: Vec<usize> = match self.placement[&def.name] {
                Placement::Sharded(c) => vec![c],
                Placement::Reference => Vec::new(),
            };
            for shard in &mut self.shards {
                shard.node.tables.insert(def.name.clone(), Table::new(def.clone(), &indexed));
            }
            let mut by_shard: Vec<Vec<usize>> = vec![Vec::new(); self.shards.len()];
            let mut overlay = HashMap::new();
            for (i, row) in rows.iter().enumerate() {
                for s in self.homes(&def.name, row, &mut overlay)? {
                    by_shard[s as usize].push(i);
                }
            }
            self.directory.extend(overlay);
            // Each shard's rows are copied together, so that they lie together in memory and a
            // shard's scan reads it in order, not one row in every eight.
            for (shard, ids) in self.shards.iter_mut().zip(by_shard) {
                shard.node.store_rows(&def.name, ids.into_iter().map(|i| rows[i].clone()).collect())?;
            }
        }
        Ok(())
    }

    /// The shards a row is stored on. A directory gives a new key the shard with the fewest
    /// keys (recorded in `overlay` until the write is known to succeed).
    fn homes(&self, table: &str, row: &Row, overlay: &mut HashMap<GroupKey, u32>) -> Result<Vec<u32>, SqlError> {
        match self.placement[table] {
            Placement::Reference => Ok((0..self.shards.len() as u32).collect()),
            Placement::Sharded(c) => {
                let key = &row[c];
                if key.is_null() {
                    return Err(SqlError::new(format!(
                        "could not map [NULL] to a keyspace id: {table}.{} is the shard key and needs a value",
                        self.column_name(table, c)
                    )));
                }
                if let Some(s) = self.placer.shard_of(key) {
                    return Ok(vec![s]);
                }
                let k = key.group_key();
                if let Some(s) = self.directory.get(&k).or(overlay.get(&k)) {
                    return Ok(vec![*s]);
                }
                let mut counts = vec![0usize; self.shards.len()];
                for s in self.directory.values().chain(overlay.values()) {
                    counts[*s as usize] += 1;
                }
                let least = (0..counts.len()).min_by_key(|&i| (counts[i], i)).unwrap_or(0) as u32;
                overlay.insert(k, least);
                Ok(vec![least])
            }
        }
    }

    fn column_name(&self, table: &str, column: usize) -> &'static str {
        self.schema.iter().find(|t| t.name == table).map_or("?", |t| t.columns[column].name)
    }

    /// The shard a key reads from (None: the directory does not know the key, so no row has it).
    fn read_shard(&self, key: &Value) -> Option<u32> {
        self.placer.shard_of(key).or_else(|| self.directory.get(&key.group_key()).copied())
    }

    fn targets(&self, table: &str, filter: Option<&Expr>, scope: &Scope, which: usize) -> Targets {
        let Placement::Sharded(column) = self.placement[table] else { return Targets::These(vec![0]) };
        match KeyFilter::of(filter, scope, scope.tables[which].offset + column) {
            KeyFilter::Values(values) => {
                let mut shards: Vec<u32> = values.iter().filter_map(|v| self.read_shard(v)).collect();
                shards.sort();
                shards.dedup();
                Targets::These(shards)
            }
            KeyFilter::Nothing => Targets::These(Vec::new()),
            _ => Targets::All,
        }
    }

    /// The shards a read goes to. A WHERE that no key can meet still goes to one shard (as
    /// Vitess routes an impossible query), so that `COUNT(*)` answers 0.
    fn shards_for(&self, targets: Targets) -> Vec<u32> {
        match targets {
            Targets::All => self.all(),
            Targets::These(s) if s.is_empty() => vec![0],
            Targets::These(s) => s,
        }
    }

    /// A shard goes down or comes back.
    pub fn set_down(&mut self, shard: u32, down: bool) {
        if down {
            self.down.insert(shard);
        } else {
            self.down.remove(&shard);
        }
    }

    /// An error when the shard is down: the router cannot reach it, so the query fails whole.
    fn reachable(&self, shard: u32) -> Result<(), SqlError> {
        if self.down.contains(&shard) {
            let name = &self.shards[shard as usize].name;
            return Err(SqlError::new(format!(
                "shard {name} is down, and this query needs it: recover the shard, then run the query again"
            )));
        }
        Ok(())
    }

    fn all(&self) -> Vec<u32> {
        (0..self.shards.len() as u32).collect()
    }

    pub fn execute(&mut self, statement: &Statement, explained: bool, cost: &Cost) -> Result<Outcome, SqlError> {
        match statement {
            Statement::Select(q) => self.select(q, explained, cost),
            Statement::Insert(i) => self.insert(i, explained, cost),
            write => self.update_or_delete(write, explained, cost),
        }
    }

    fn scope_of(&self, query: &Select) -> Result<Scope, SqlError> {
        let node = &self.shards[0].node;
        let mut scope = single_scope(query.from.reference(), node.def(&query.from.name)?);
        for join in &query.joins {
            scope.push(join.table.reference(), node.def(&join.table.name)?);
        }
        Ok(scope)
    }

    fn select(&mut self, query: &Select, explained: bool, cost: &Cost) -> Result<Outcome, SqlError> {
        let scope = self.scope_of(query)?;
        let filter = match &query.filter {
            Some(f) => Some(scope.coerce_literals(f)?),
            None => None,
        };
        let placements: Vec<Placement> = scope.tables.iter().map(|t| self.placement[&t.def.name]).collect();
        let sharded: Vec<usize> =
            (0..placements.len()).filter(|&i| matches!(placements[i], Placement::Sharded(_))).collect();
        // A reference table on the outer side of a LEFT JOIN would keep its unmatched rows on
        // every shard: Citus refuses to push that down, and so does this router.
        let outer_reference = query.joins.first().is_some_and(|j| j.kind == JoinKind::Left) && sharded == [1];
        if outer_reference {
            return self.cross_shard_join(query, &scope, filter.as_ref(), explained, cost);
        }
        if let (Some(join), [_, _]) = (query.joins.first(), sharded.as_slice()) {
            let (a, _) = scope.resolve(&join.on.0)?;
            let (b, _) = scope.resolve(&join.on.1)?;
            let key = |i: usize| match placements[i] {
                Placement::Sharded(c) => scope.tables[i].offset + c,
                Placement::Reference => usize::MAX,
            };
            let colocated = (a == key(0) && b == key(1)) || (a == key(1) && b == key(0));
            if !colocated {
                return self.cross_shard_join(query, &scope, filter.as_ref(), explained, cost);
            }
        }
        let mut targets = Targets::These(vec![0]);
        let mut reason = "only reference tables: any one shard holds them whole".to_string();
        for &i in &sharded {
            let t = self.targets(&scope.tables[i].def.name, filter.as_ref(), &scope, i);
            targets = match (i == sharded[0], targets, t) {
                (true, _, t) => t,
                (false, Targets::All, t) | (false, t, Targets::All) => t,
                (false, Targets::These(a), Targets::These(b)) => {
                    Targets::These(a.into_iter().filter(|s| b.contains(s)).collect())
                }
            };
            reason = self.key_reason(&scope, i);
        }
        let shards = self.shards_for(targets);
        let lookups = self.directory_lookups(&scope, &sharded, filter.as_ref());
        let mut outcome = if shards.len() == 1 {
            let route = format!("Single shard {}: {reason}", self.shards[shards[0] as usize].name);
            self.one_shard(query, shards[0], route, explained, cost)?
        } else {
            let route = format!(
                "Scatter to {} of {} shards: {}",
                shards.len(),
                self.shards.len(),
                if shards.len() == self.shards.len() {
                    format!("no condition fixes the shard key ({reason})")
                } else {
                    format!("the IN list names these ({reason})")
                }
            );
            self.scatter(query, &scope, &shards, route, explained, cost)?
        };
        if lookups > 0 {
            outcome.plan.time_us += lookups as f64 * cost.directory_lookup_us;
            outcome.plan.notes.push(format!("the router looked {lookups} key(s) up in the directory first"));
        }
        Ok(outcome)
    }

    fn key_reason(&self, scope: &Scope, i: usize) -> String {
        match self.placement[&scope.tables[i].def.name] {
            Placement::Sharded(c) => format!(
                "{} is sharded by {} ({})",
                scope.tables[i].def.name,
                scope.tables[i].def.columns[c].name,
                self.config.strategy.label()
            ),
            Placement::Reference => format!("{} is a reference table", scope.tables[i].def.name),
        }
    }

    fn directory_lookups(&self, scope: &Scope, sharded: &[usize], filter: Option<&Expr>) -> usize {
        if self.config.strategy != Strategy::Directory {
            return 0;
        }
        sharded
            .iter()
            .map(|&i| match self.placement[&scope.tables[i].def.name] {
                Placement::Sharded(c) => match KeyFilter::of(filter, scope, scope.tables[i].offset + c) {
                    KeyFilter::Values(v) => v.len(),
                    _ => 0,
                },
                Placement::Reference => 0,
            })
            .sum()
    }

    fn run_part(
        &mut self,
        shard: u32,
        statement: &Statement,
        explained: bool,
        cost: &Cost,
    ) -> Result<(ResultSet, Option<u64>, Part), SqlError> {
        self.reachable(shard)?;
        let s = &mut self.shards[shard as usize];
        let (result, affected, work) =
            super::layout::run_on(&mut s.node, statement, explained && statement.written_table().is_some())?;
        let time_us = cost.of(&work);
        let written = (affected.is_some() && !explained).then(|| Rc::new(statement.clone()));
        let part = Part { server: s.name.clone().into(), sql: statement.to_string().into(), work, time_us, written };
        Ok((result, affected, part))
    }

    fn one_shard(
        &mut self,
        query: &Select,
        shard: u32,
        route: String,
        explained: bool,
        cost: &Cost,
    ) -> Result<Outcome, SqlError> {
        let (mut result, _, part) = self.run_part(shard, &Statement::Select(query.clone()), false, cost)?;
        if explained {
            result.rows.clear();
        }
        let plan = Plan {
            route: route.into(),
            time_us: part.time_us,
            rows_moved: part.work.rows_returned,
            bytes_moved: part.work.bytes_returned,
            parts: vec![part],
            ..Plan::default()
        };
        Ok(Outcome { result, affected: None, plan, explained })
    }

    /// Sends the query to several shards and merges what comes back.
    fn scatter(
        &mut self,
        query: &Select,
        scope: &Scope,
        shards: &[u32],
        route: String,
        explained: bool,
        cost: &Cost,
    ) -> Result<Outcome, SqlError> {
        let shaper = Shaper::new(query, scope)?;
        let whole_groups = shaper.group.as_ref().and(self.grouped_by_shard_key(query, scope));
        let (shard_query, merge) = match &shaper.group {
            Some(plan) if whole_groups.is_none() => (partial_query(query, scope, plan), Merge::Aggregate),
            _ => order_query(query, scope)?,
        };
        let statement = Statement::Select(shard_query);
        let mut parts = Vec::new();
        let mut gathered: Vec<Row> = Vec::new();
        for &s in shards {
            let (result, _, part) = self.run_part(s, &statement, false, cost)?;
            gathered.extend(result.rows);
            parts.push(part);
        }
        let rows_moved = gathered.len() as u64;
        let bytes_moved = gathered.iter().map(|r| row_width(r)).sum();
        let (mut result, gather) = match merge {
            Merge::Aggregate => (
                finish_partials(&shaper, gathered)?,
                "combined the shards' partial aggregates (COUNT summed, AVG = total SUM / total COUNT)".to_string(),
            ),
            Merge::Order { visible, keys } => {
                let (result, merged) = merge_ordered(&shaper, gathered, visible, &keys, shaper.limit());
                match whole_groups {
                    Some(key) => (result, format!("each group is whole on one shard (GROUP BY {key}, the shard key), so the shards finished their aggregates; the router {merged}")),
                    None => (result, merged),
                }
            }
        };
        if explained {
            result.rows.clear();
        }
        let slowest = parts.iter().map(|p| p.time_us).fold(0.0, f64::max);
        let time_us = slowest + rows_moved as f64 * cost.per_row_us;
        let plan = Plan {
            route: route.into(),
            parts,
            gather: Some(gather),
            rows_moved,
            bytes_moved,
            time_us,
            ..Plan::default()
        };
        Ok(Outcome { result, affected: None, plan, explained })
    }

    /// The shard key a GROUP BY names (as `table.column`), when it names one whose rows all
    /// sit on one shard per key: the FROM table's, or an inner-joined table's (a LEFT JOIN's
    /// missing rows would make a NULL group on every shard). Each shard then holds its groups
    /// whole and finishes them, as Vitess does when a query groups by a unique vindex and
    /// Citus when it groups by the distribution column.
    fn grouped_by_shard_key(&self, query: &Select, scope: &Scope) -> Option<String> {
        query.group_by.iter().find_map(|expr| {
            let Expr::Column(column) = expr else { return None };
            let (position, table) = scope.resolve(column).ok()?;
            let entry = &scope.tables[table];
            let inner = table == 0 || query.joins[table - 1].kind == JoinKind::Inner;
            match self.placement[&entry.def.name] {
                Placement::Sharded(c) if inner && position == entry.offset + c => {
                    Some(format!("{}.{}", entry.reference, entry.def.columns[c].name))
                }
                _ => None,
            }
        })
    }

    /// A join on columns that are not both shard keys: each side's rows (filtered where the
    /// filter allows) travel to the router, which joins them.
    fn cross_shard_join(
        &mut self,
        query: &Select,
        scope: &Scope,
        filter: Option<&Expr>,
        explained: bool,
        cost: &Cost,
    ) -> Result<Outcome, SqlError> {
        let Some(join) = query.joins.first() else { return Err(SqlError::new("a cross-shard join needs a join")) };
        let conjuncts: Vec<&Expr> = filter.map(|f| f.conjuncts()).unwrap_or_default();
        let mut router = Node::default();
        let mut parts = Vec::new();
        let mut rows_moved = 0;
        let mut bytes_moved = 0;
        for (i, table) in [&query.from, &join.table].into_iter().enumerate() {
            let pushable = i == 0 || join.kind == JoinKind::Inner;
            let own: Vec<Expr> = if pushable {
                conjuncts
                    .iter()
                    .filter(|e| references(scope, e).is_some_and(|t| t == [i]))
                    .map(|e| (*e).clone())
                    .collect()
            } else {
                Vec::new()
            };
            let own_filter = Expr::all_of(own);
            let gather = Select {
                items: vec![SelectItem::Wildcard(None)],
                from: table.clone(),
                joins: Vec::new(),
                filter: own_filter.clone(),
                group_by: Vec::new(),
                order_by: Vec::new(),
                limit: None,
            };
            let shards = self.shards_for(self.targets(&table.name, own_filter.as_ref(), scope, i));
            let def = scope.tables[i].def.clone();
            let mut stored = Table::new(def.clone(), &[]);
            for s in shards {
                let (result, _, part) = self.run_part(s, &Statement::Select(gather.clone()), false, cost)?;
                rows_moved += result.rows.len() as u64;
                bytes_moved += part.work.bytes_returned;
                stored.extend(result.rows);
                parts.push(part);
            }
            router.tables.entry(def.name.clone()).or_insert(stored);
        }
        let (mut result, work) = router.select(query)?;
        if explained {
            result.rows.clear();
        }
        let gather_time = parts.iter().map(|p| p.time_us).fold(0.0, f64::max);
        let router_time = cost.of(&work);
        parts.push(Part {
            server: "router".into(),
            sql: query.to_string().into(),
            work,
            time_us: router_time,
            written: None,
        });
        let plan = Plan {
            route: "Cross-shard join: the join is not on both tables' shard keys, so rows travel to the router".into(),
            parts,
            gather: Some("joined the gathered rows".into()),
            rows_moved,
            bytes_moved,
            time_us: gather_time + router_time,
            notes: vec![
                "Vitess's VTGate runs such a join itself; Citus refuses it unless citus.enable_repartition_joins is on"
                    .into(),
            ],
            ..Plan::default()
        };
        Ok(Outcome { result, affected: None, plan, explained })
    }

    fn insert(&mut self, insert: &Insert, explained: bool, cost: &Cost) -> Result<Outcome, SqlError> {
        let rows = self.shards[0].node.insert_rows(insert)?;
        let mut overlay = HashMap::new();
        let mut by_shard: BTreeMap<u32, Vec<Row>> = BTreeMap::new();
        for row in &rows {
            for s in self.homes(&insert.table, row, &mut overlay)? {
                by_shard.entry(s).or_default().push(row.clone());
            }
        }
        for (s, rows) in &by_shard {
            self.reachable(*s)?;
            self.shards[*s as usize].node.check_new_rows(&insert.table, rows)?;
        }
        let mut parts = Vec::new();
        for (s, rows) in by_shard {
            let statement = Statement::Insert(Insert {
                table: insert.table.clone(),
                columns: None,
                rows: rows.iter().map(|r| r.iter().cloned().map(Expr::Literal).collect()).collect(),
            });
            let (_, _, part) = self.run_part(s, &statement, explained, cost)?;
            parts.push(part);
        }
        if !explained {
            self.directory.extend(overlay);
        }
        let route = match self.placement[&insert.table] {
            Placement::Reference => {
                format!("Every shard: {} is a reference table, copied to all {}", insert.table, self.shards.len())
            }
            Placement::Sharded(_) => {
                format!("By shard key: each row goes to the shard its key maps to ({} shard(s))", parts.len())
            }
        };
        let time_us = parts.iter().map(|p| p.time_us).fold(0.0, f64::max);
        let plan = Plan { route: route.into(), parts, time_us, ..Plan::default() };
        Ok(Outcome { result: ResultSet::default(), affected: Some(rows.len() as u64), plan, explained })
    }

    fn update_or_delete(&mut self, statement: &Statement, explained: bool, cost: &Cost) -> Result<Outcome, SqlError> {
        let (table, filter) = match statement {
            Statement::Update(u) => (&u.table, u.filter.as_ref()),
            Statement::Delete(d) => (&d.table, d.filter.as_ref()),
            other => return Err(SqlError::new(format!("cannot route {other}"))),
        };
        let def = self.shards[0].node.def(table)?;
        let placement = self.placement[table.as_str()];
        if let (Statement::Update(u), Placement::Sharded(c)) = (statement, placement) {
            if u.assignments.iter().any(|(column, _)| column == def.columns[c].name) {
                // VTGate's words (VT12001, as current Vitess prints them); the DETAIL and HINT are ours.
                let column = &def.columns[c].name;
                return Err(SqlError::hinted(
                    format!(
                        "VT12001: unsupported: you cannot UPDATE primary vindex columns; invalid update on vindex: {}\nDETAIL:  {table}.{column} decides the row's shard ({}).",
                        self.config.strategy.vindex_name(),
                        self.config.strategy.label(),
                    ),
                    &format!("DELETE the row, then INSERT it with the new {column}: it will go to its new shard."),
                ));
            }
        }
        let scope = single_scope(table, def);
        let filter = match filter {
            Some(f) => Some(scope.coerce_literals(f)?),
            None => None,
        };
        let (shards, route) = match (placement, self.targets(table, filter.as_ref(), &scope, 0)) {
            (Placement::Reference, _) => {
                (self.all(), format!("Every shard: {table} is a reference table, so every copy changes"))
            }
            (_, Targets::These(s)) if !s.is_empty() => {
                (s, format!("By shard key: the WHERE fixes {table}'s shard key"))
            }
            (_, Targets::These(_)) => (vec![0], "One shard: the WHERE matches no key".to_string()),
            (_, Targets::All) => {
                (self.all(), format!("Scatter to every shard: the WHERE does not fix {table}'s shard key"))
            }
        };
        for &s in &shards {
            self.reachable(s)?;
        }
        // Keep each target's table so that a failure on a later shard can undo the earlier ones.
        let saved: Vec<(u32, Table)> =
            shards.iter().map(|&s| (s, self.shards[s as usize].node.tables[table.as_str()].clone())).collect();
        let mut parts = Vec::new();
        let mut affected = 0;
        for &s in &shards {
            match self.run_part(s, statement, explained, cost) {
                Ok((_, n, part)) => {
                    affected += n.unwrap_or(0);
                    parts.push(part);
                }
                Err(e) => {
                    for (s, t) in saved {
                        self.shards[s as usize].node.tables.insert(table.clone(), t);
                    }
                    return Err(e);
                }
            }
        }
        if placement == Placement::Reference {
            affected /= shards.len().max(1) as u64;
        }
        let time_us = parts.iter().map(|p| p.time_us).fold(0.0, f64::max);
        let plan = Plan { route: route.into(), parts, time_us, ..Plan::default() };
        Ok(Outcome { result: ResultSet::default(), affected: Some(affected), plan, explained })
    }

    /// Runs a read on other copies of the shards' rows (a replica of each), in order: each copy
    /// changes places with its shard's rows for the read, and back. A shard whose primary is
    /// down is read all the same: its copy is not.
    pub fn read_copies(&mut self, copies: &mut [&mut Node], query: &Select, cost: &Cost) -> Result<Outcome, SqlError> {
        let swap = |shards: &mut [Shard], copies: &mut [&mut Node]| {
            shards.iter_mut().zip(copies.iter_mut()).for_each(|(shard, copy)| std::mem::swap(&mut shard.node, *copy));
        };
        swap(&mut self.shards, copies);
        let down = std::mem::take(&mut self.down);
        let outcome = self.select(query, false, cost);
        self.down = down;
        swap(&mut self.shards, copies);
        outcome
    }

    /// Every row of a table once (a reference table from its first copy).
    pub fn table_rows(&self, table: &str) -> Vec<Row> {
        let shards: &[Shard] = match self.placement.get(table) {
            Some(Placement::Reference) => &self.shards[..1],
            _ => &self.shards,
        };
        shards.iter().filter_map(|s| s.node.tables.get(table)).flat_map(|t| t.rows().map(|(_, r)| r.to_vec())).collect()
    }

    pub fn servers(&self) -> Vec<(String, Vec<(String, usize)>)> {
        self.shards
            .iter()
            .map(|s| (s.name.clone(), s.node.tables.iter().map(|(n, t)| (n.clone(), t.len())).collect()))
            .collect()
    }

    pub fn placer(&self) -> &Placer {
        &self.placer
    }
}
