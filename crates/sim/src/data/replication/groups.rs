//! Every replicated group of a database: one for a database on one server, one per shard for a
//! sharded one. Each shard has its own primary, log and replicas, as each shard of a Vitess
//! keyspace is a MySQL primary with its own replicas, and each Citus worker group its own
//! streaming replication. A read goes to the same replica number on every shard it touches
//! (VTGate sends an `@replica` read to a replica tablet of each shard it needs).
//!
//! Replicas are numbered across groups: group `g`'s replica `k` is `g × replicas + k`, and the
//! machines run group by group (its primary, then its replicas), so an unsharded database's
//! numbers are the ones it always had.

use super::{ReadFix, ReadRouting, ReadStart, Replication, ReplicationConfig};
use crate::data::Database;
use crate::time::SimTime;

#[derive(Clone)]
pub struct Replicated {
    pub groups: Vec<Replication>,
    /// each group's shard, when the database is sharded (the router names its parts so)
    pub shard_names: Vec<String>,
    /// replicas in each group (every group has as many)
    pub per_group: usize,
    pub reads: u64,
    /// reads the fix sent to the primary (its cost: the primary takes them)
    pub reads_on_primary: u64,
    /// the next replica a read goes to (round robin)
    next_read: usize,
}

impl Replicated {
    /// A group for the database's one server, or one per shard, each with replicas that start
    /// as copies of its primary as it is now.
    pub fn new(config: &ReplicationConfig, db: &Database) -> Replicated {
        let machines = config.replicas as usize + 1;
        let groups = match db.cluster() {
            Some(cluster) => (0..cluster.shards.len())
                .map(|g| {
                    let name = cluster.shards[g].name.clone();
                    Replication::new(config, &db.shard_copy(g), g * machines, Some(name))
                })
                .collect(),
            None => vec![Replication::new(config, db, 0, None)],
        };
        let shard_names = groups.iter().filter_map(|g| g.shard.clone()).collect();
        Replicated {
            groups,
            shard_names,
            per_group: config.replicas as usize,
            reads: 0,
            reads_on_primary: 0,
            next_read: 0,
        }
    }

    pub fn config(&self) -> &ReplicationConfig {
        &self.groups[0].config
    }

    /// Group `g` (the one server's is group 0).
    pub fn group(&self, g: usize) -> &Replication {
        &self.groups[g]
    }

    /// Whether the groups are a sharded database's.
    pub fn sharded(&self) -> bool {
        self.groups[0].shard.is_some()
    }

    /// A replica's number across groups, from its group and its place there.
    pub fn number(&self, group: usize, replica: usize) -> usize {
        group * self.per_group + replica
    }

    /// A replica's group and its place there, from its number across groups.
    pub fn locate(&self, replica: usize) -> (usize, usize) {
        let per_group = self.per_group.max(1);
        (replica / per_group, replica % per_group)
    }

    /// The group a replica (by its number across groups) is in, and its place there.
    pub fn replica(&self, replica: usize) -> Option<(&Replication, usize)> {
        let (g, k) = self.locate(replica);
        self.groups.get(g).filter(|group| k < group.replicas.len()).map(|group| (group, k))
    }

    pub fn replica_mut(&mut self, replica: usize) -> Option<(&mut Replication, usize)> {
        let (g, k) = self.locate(replica);
        self.groups.get_mut(g).filter(|group| k < group.replicas.len()).map(|group| (group, k))
    }

    /// The group a machine serves (a failover swaps machines within a group, never across).
    pub fn group_on(&self, machine: usize) -> Option<usize> {
        let g = machine / (self.per_group + 1);
        (g < self.groups.len()).then_some(g)
    }

    /// The replica a machine runs, by its number across groups (None: it is a primary).
    pub fn replica_on(&self, machine: usize) -> Option<usize> {
        let g = self.group_on(machine)?;
        self.groups[g].replica_on(machine).map(|k| self.number(g, k))
    }

    /// Every machine: each group's primary and replicas.
    pub fn machines(&self) -> usize {
        self.groups.len() * (self.per_group + 1)
    }

    /// A machine's role, as the diagram names it.
    pub fn role(&self, machine: usize) -> String {
        self.group_on(machine).map_or_else(String::new, |g| self.groups[g].role(machine))
    }

    /// What a read the user sends now must show, in each group.
    pub fn read_start(&self, user: u32) -> Vec<ReadStart> {
        self.groups.iter().map(|g| g.read_start(user)).collect()
    }

    /// Where a user's read goes, picked when it is sent: a replica number within the groups
    /// (by the routing, or the user's own under a sticky fix), or None for the primaries (the
    /// fix, after a recent write to any of them).
    pub fn route_read(&mut self, user: u32, now: SimTime) -> Option<usize> {
        self.reads += 1;
        // (two small Copy settings: this runs for every read, and the config holds more)
        let (fix, routing) = (self.config().fix, self.config().routing);
        if let ReadFix::PrimaryAfterWrite { seconds } = fix {
            let wrote_at = self.groups.iter().filter_map(|g| g.last_write.get(&user).map(|w| w.1)).max();
            if wrote_at.is_some_and(|at| now.saturating_sub(at).as_secs_f64() < seconds) {
                self.reads_on_primary += 1;
                return None;
            }
        }
        // An old primary in a split brain serves no reads: it is not in the new primary's pool.
        // (Walked rather than collected: this runs for every read.)
        let groups = &self.groups;
        let pool = || (0..self.per_group).filter(|&k| !groups.iter().any(|g| g.replicas[k].split_brain));
        let n = pool().count().max(1);
        Some(match (fix, routing) {
            (ReadFix::StickyReplica, _) => pool().nth(user as usize % n).unwrap_or(0),
            // the replica number furthest along, over every group (the first on a tie)
            (_, ReadRouting::LeastLag) => pool()
                .min_by_key(|&k| {
                    (groups.iter().map(|g| g.position().saturating_sub(g.replicas[k].applied)).sum::<u64>(), k)
                })
                .unwrap_or(0),
            (_, ReadRouting::RoundRobin) => {
                self.next_read = self.next_read.wrapping_add(1);
                pool().nth((self.next_read - 1) % n).unwrap_or(0)
            }
        })
    }

    /// Closes a simulated second of every group's lag chart.
    pub fn sample_lag(&mut self, now: SimTime) {
        self.groups.iter_mut().for_each(|g| g.sample_lag(now));
    }
}
