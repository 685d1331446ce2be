//! What can change while a run goes on: the closed set of commands the UI (or a scenario's
//! timeline) gives the engine. Serde, so that the changes a user makes are kept in share links.

use crate::caching::LabAction;
use crate::components::algorithm::Algorithm;
use crate::validate::limits::{self, MAX_COOKIE_LENGTH, MAX_SLOW_FACTOR};
use crate::validate::{allowed_range, fmt_number, within};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// a new server like the template joins the pool (it must pass `rise` heartbeats first)
    AddServer,
    /// the server stops taking new requests, finishes what it holds, then leaves
    RemoveServer {
        server: u32,
    },
    /// horizontal scaling as one change: servers join (as `AddServer`) or leave (as the
    /// autoscaler picks them) until the pool has this many
    SetPoolSize {
        servers: u32,
    },
    SetArrivalRate {
        per_second: f64,
    },
    SetAlgorithm {
        algorithm: Algorithm,
    },
    /// vertical scaling: the server's slots, speed and balancing weight from now on
    Resize {
        server: u32,
        concurrency: u32,
        speed: f64,
        weight: u32,
    },
    /// the process dies: requests on it fail, new connections are refused
    Crash {
        server: u32,
    },
    /// the process stops answering but still accepts connections
    Hang {
        server: u32,
    },
    /// every request it starts takes `factor` times as long
    Slow {
        server: u32,
        factor: f64,
    },
    /// back to normal: a crashed server restarts empty; a hung one finishes what it held
    Recover {
        server: u32,
    },
    /// the session store goes down: operations on it fail until it recovers (its data is kept)
    CrashStore,
    RecoverStore,
    /// a database server the web tier queries goes down: the query shares it holds fail, and
    /// so do new ones, until it recovers (its rows are kept)
    CrashDatabase {
        server: u32,
    },
    RecoverDatabase {
        server: u32,
    },
    /// under replication, with the primary down: this database server's replica becomes the
    /// primary (a manual failover)
    PromoteDatabase {
        server: u32,
    },
    /// under replication: the network between the primary and this database server's replica
    /// is cut (the replica still serves reads), or healed
    CutReplicaLink {
        server: u32,
    },
    HealReplicaLink {
        server: u32,
    },
    /// under multi-primary: this database server's region is cut off from the other primaries
    /// (its users still reach it), or reconnected
    CutRegion {
        server: u32,
    },
    HealRegion {
        server: u32,
    },
    /// the user's browser now holds this session cookie instead of the one the servers gave it
    /// (a student editing a signed cookie); the next server to read it verifies it
    SetSessionCookie {
        user: u32,
        cookie: String,
    },
    /// a failure injected into the caching lab (crash or recover the cache node, flush it, take
    /// the origin down or bring it back)
    Lab {
        action: LabAction,
    },
}

/// Why a command was refused. The run is unchanged.
#[derive(Clone, Debug, PartialEq)]
pub enum CommandError {
    TooManyServers,
    NoSuchServer(u32),
    /// the command needs something this scenario does not have (a session store, signed cookies)
    NotInThisScenario(&'static str),
    OutOfRange(String),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::TooManyServers => {
                write!(f, "a run can have at most {} servers; remove one first", limits::MAX_SERVERS)
            }
            CommandError::NoSuchServer(id) => {
                write!(f, "server {} is not in the pool (already removed, or never existed)", id + 1)
            }
            CommandError::NotInThisScenario(what) => write!(f, "{what}"),
            CommandError::OutOfRange(problem) => write!(f, "{problem}"),
        }
    }
}

impl Command {
    /// Checks the command's own numbers (whether its server exists depends on the run).
    pub fn check_arguments(&self) -> Result<(), String> {
        let within = |what: &str, v: f64, min: f64, max: f64, min_exclusive: bool| {
            if within(v, min, max, min_exclusive) {
                Ok(())
            } else {
                Err(format!(
                    "{what} of {} is out of range: it must be {}",
                    fmt_number(v),
                    allowed_range(min, max, min_exclusive)
                ))
            }
        };
        match *self {
            Command::SetPoolSize { servers } => {
                within("a pool size", f64::from(servers), 1.0, f64::from(limits::MAX_SERVERS), false)
            }
            Command::SetArrivalRate { per_second } => {
                within("an arrival rate", per_second, 0.0, limits::MAX_ARRIVAL_RATE, true)
            }
            Command::Resize { concurrency, speed, weight, .. } => {
                within("a slot count", f64::from(concurrency), 1.0, f64::from(limits::MAX_CONCURRENCY), false)?;
                within("a speed", speed, limits::MIN_SPEED, limits::MAX_SPEED, false)?;
                within("a weight", f64::from(weight), 1.0, f64::from(limits::MAX_WEIGHT), false)
            }
            Command::Slow { factor, .. } => within("a slow-down factor", factor, 1.0, MAX_SLOW_FACTOR, false),
            Command::SetSessionCookie { ref cookie, .. } => {
                if cookie.len() > MAX_COOKIE_LENGTH {
                    Err(format!(
                        "a cookie of {} bytes is too long: browsers keep at most {} bytes",
                        fmt_number(cookie.len() as f64),
                        fmt_number(MAX_COOKIE_LENGTH as f64)
                    ))
                } else if cookie.bytes().any(|b| b <= b' ' || b == b';' || b == b',' || b >= 0x7f) {
                    Err("a cookie value cannot hold spaces, control characters, ';', ',' or non-ASCII characters"
                        .into())
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// In words, for the timeline list and the decision marks.
    pub fn describe(&self) -> String {
        match self {
            Command::AddServer => "add a server".into(),
            Command::RemoveServer { server } => format!("remove server {}", server + 1),
            Command::SetPoolSize { servers } => {
                format!("scale the pool to {} servers", fmt_number(f64::from(*servers)))
            }
            Command::SetArrivalRate { per_second } => format!("arrival rate {} requests/s", fmt_number(*per_second)),
            Command::SetAlgorithm { algorithm } => format!("algorithm: {}", algorithm.label()),
            Command::Resize { server, concurrency, speed, weight } => {
                format!("server {}: {concurrency} slots, speed {speed}, weight {weight}", server + 1)
            }
            Command::Crash { server } => format!("crash server {}", server + 1),
            Command::Hang { server } => format!("hang server {}", server + 1),
            Command::Slow { server, factor } => format!("slow server {} down ×{factor}", server + 1),
            Command::Recover { server } => format!("recover server {}", server + 1),
            Command::CrashStore => "crash the session store".into(),
            Command::RecoverStore => "recover the session store".into(),
            Command::CrashDatabase { server } => format!("crash database server {}", server + 1),
            Command::RecoverDatabase { server } => format!("recover database server {}", server + 1),
            Command::PromoteDatabase { server } => format!("promote database server {} to primary", server + 1),
            Command::CutReplicaLink { server } => format!("cut database server {}'s link to the primary", server + 1),
            Command::HealReplicaLink { server } => format!("heal database server {}'s link to the primary", server + 1),
            Command::CutRegion { server } => format!("cut primary {}'s region off from the others", server + 1),
            Command::HealRegion { server } => format!("reconnect primary {}'s region", server + 1),
            Command::SetSessionCookie { user, .. } => format!("edit user {}'s session cookie", user + 1),
            Command::Lab { action } => action.label().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_and_write_as_plain_json() {
        let c = Command::Slow { server: 2, factor: 4.0 };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"slow":{"server":2,"factor":4.0}}"#);
        assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), c);
        assert_eq!(serde_json::to_string(&Command::AddServer).unwrap(), r#""add_server""#);
    }

    #[test]
    fn arguments_are_checked() {
        assert!(Command::Slow { server: 0, factor: 0.5 }.check_arguments().is_err());
        assert!(Command::SetArrivalRate { per_second: 0.0 }.check_arguments().is_err());
        let e = Command::Resize { server: 0, concurrency: 0, speed: 1.0, weight: 1 }.check_arguments().unwrap_err();
        assert_eq!(e, "a slot count of 0 is out of range: it must be at least 1 and at most 1,024");
        assert!(Command::Crash { server: 999 }.check_arguments().is_ok());
        let e = Command::SetPoolSize { servers: 1_001 }.check_arguments().unwrap_err();
        assert_eq!(e, "a pool size of 1,001 is out of range: it must be at least 1 and at most 1,000");
        assert!(Command::SetPoolSize { servers: 0 }.check_arguments().is_err());
    }
}
