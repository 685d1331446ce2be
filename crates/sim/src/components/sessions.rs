//! Where each user's session lives, and what happens to it: on the server that made it, pinned
//! there by the balancer (HAProxy `cookie SERVERID insert indirect nocache`, or a source-address
//! stick table with an expiry), or carried by the client in a Flask signed cookie. Each user's
//! visit is a journey (log in, browse, add to cart, check out); a request that finds no session
//! sends the user back to the login page.

use crate::scenario::{SessionMode, SessionsConfig};
use crate::session_cookie;
use crate::time::SimTime;
use serde_json::json;

/// The steps of a visit, in order; after checking out the user browses again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JourneyStep {
    LogIn,
    Browse,
    AddToCart,
    CheckOut,
}

impl JourneyStep {
    fn next(self) -> JourneyStep {
        match self {
            JourneyStep::LogIn => JourneyStep::Browse,
            JourneyStep::Browse => JourneyStep::AddToCart,
            JourneyStep::AddToCart => JourneyStep::CheckOut,
            JourneyStep::CheckOut => JourneyStep::Browse,
        }
    }
}

/// What one answered request found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionOutcome {
    /// sessions are not modelled in this scenario
    NotModelled,
    /// the session was there; the user moved on (and `checked_out` when that step was the last)
    Found { checked_out: bool },
    /// no session where the request landed: the user is back at the login page, cart empty
    Lost,
}

#[derive(Clone, Copy, Debug)]
struct UserSession {
    step: JourneyStep,
    cart_items: u32,
    /// the server holding the session, and which life of that server (a crash ends a life)
    home: Option<(u32, u32)>,
    /// the server named in the balancer's cookie (cookie persistence)
    cookie_server: Option<u32>,
    /// the stick-table entry for the user's address: server, last used
    stuck_to: Option<(u32, SimTime)>,
    /// size of the session cookie the client carries [bytes]
    cookie_bytes: u32,
}

impl Default for UserSession {
    fn default() -> Self {
        UserSession {
            step: JourneyStep::LogIn,
            cart_items: 0,
            home: None,
            cookie_server: None,
            stuck_to: None,
            cookie_bytes: 0,
        }
    }
}

/// The secret the simulated Flask servers sign session cookies with.
pub const DEMO_SECRET: &str = "scalelab-demo-secret";
/// Simulated time 0 as a Unix time, for cookie timestamps: 2026-01-01T00:00:00Z.
pub const EPOCH_UNIX_S: u64 = 1_767_225_600;

pub struct Sessions {
    mode: SessionMode,
    stick_expiry: SimTime,
    /// by user id; empty when sessions are not modelled
    users: Vec<UserSession>,
}

impl Sessions {
    pub fn new(config: &SessionsConfig, users: u32) -> Self {
        let modelled = config.mode != SessionMode::None;
        Sessions {
            mode: config.mode,
            stick_expiry: SimTime::from_millis_f64(config.stick_table_expire_ms),
            users: if modelled { vec![UserSession::default(); users as usize] } else { Vec::new() },
        }
    }

    pub fn mode(&self) -> SessionMode {
        self.mode
    }

    /// The server the balancer must use for this user, when persistence pins the user to one
    /// that still takes traffic. Otherwise the balancer's algorithm decides.
    pub fn affinity(&self, user: u32, now: SimTime, in_rotation: impl Fn(u32) -> bool) -> Option<u32> {
        let u = self.users.get(user as usize)?;
        let pinned = match self.mode {
            SessionMode::StickyCookie => u.cookie_server,
            SessionMode::SourceAddress => {
                u.stuck_to.filter(|&(_, used)| now - used <= self.stick_expiry).map(|(s, _)| s)
            }
            SessionMode::None | SessionMode::OnServer | SessionMode::SignedCookie => None,
        };
        pinned.filter(|&s| in_rotation(s))
    }

    /// The balancer sent the user's request to `server`: persistence records it (HAProxy
    /// inserts or rewrites the cookie; the stick table refreshes its entry).
    pub fn placed(&mut self, user: u32, server: u32, now: SimTime) {
        let Some(u) = self.users.get_mut(user as usize) else { return };
        match self.mode {
            SessionMode::StickyCookie => u.cookie_server = Some(server),
            SessionMode::SourceAddress => u.stuck_to = Some((server, now)),
            SessionMode::None | SessionMode::OnServer | SessionMode::SignedCookie => {}
        }
    }

    /// A server answered the user's request; `server_life` is that server's present life.
    pub fn served(&mut self, user: u32, server: u32, server_life: u32, now: SimTime) -> SessionOutcome {
        let mode = self.mode;
        let Some(u) = self.users.get_mut(user as usize) else { return SessionOutcome::NotModelled };
        let found = match mode {
            SessionMode::None => return SessionOutcome::NotModelled,
            // The client carries the session: any server with the key can read it.
            SessionMode::SignedCookie => true,
            SessionMode::OnServer | SessionMode::StickyCookie | SessionMode::SourceAddress => {
                u.step == JourneyStep::LogIn || u.home == Some((server, server_life))
            }
        };
        let cart_before = u.cart_items;
        let outcome = if found {
            let checked_out = u.step == JourneyStep::CheckOut;
            match u.step {
                JourneyStep::AddToCart => u.cart_items += 1,
                JourneyStep::CheckOut => u.cart_items = 0,
                JourneyStep::LogIn | JourneyStep::Browse => {}
            }
            u.step = u.step.next();
            SessionOutcome::Found { checked_out }
        } else {
            *u = UserSession { cookie_server: u.cookie_server, stuck_to: u.stuck_to, ..UserSession::default() };
            SessionOutcome::Lost
        };
        u.home = Some((server, server_life));
        // The cookie's length depends only on the user and the cart (the timestamp is always four
        // bytes), so it is signed again only when the cart changed or the session is new.
        if mode == SessionMode::SignedCookie && (u.cookie_bytes == 0 || u.cart_items != cart_before) {
            u.cookie_bytes = signed_cookie_bytes(user, u.cart_items, now);
        }
        outcome
    }

    /// Session bytes the user's next request carries: the Flask cookie, or the balancer's
    /// SERVERID cookie under cookie persistence.
    pub fn cookie_bytes(&self, user: u32) -> u64 {
        let Some(u) = self.users.get(user as usize) else { return 0 };
        match self.mode {
            SessionMode::SignedCookie => u64::from(u.cookie_bytes),
            // `SERVERID=s<n>`, the cookie HAProxy inserts, with n the server's number (no allocation).
            SessionMode::StickyCookie => {
                u.cookie_server.map_or(0, |s| "SERVERID=s".len() as u64 + u64::from((s + 1).ilog10() + 1))
            }
            SessionMode::None | SessionMode::OnServer | SessionMode::SourceAddress => 0,
        }
    }
}

/// The length of the real Flask cookie holding this user's session (signed for real, so the
/// bytes a student sees are the bytes Flask would send).
fn signed_cookie_bytes(user: u32, cart_items: u32, now: SimTime) -> u32 {
    let payload = json!({ "user_id": user, "cart": (0..cart_items).map(|i| 1000 + i).collect::<Vec<_>>() });
    let cookie = session_cookie::sign(
        DEMO_SECRET.as_bytes(),
        session_cookie::FLASK_SALT,
        &payload,
        EPOCH_UNIX_S + now.whole_secs(),
    );
    cookie.map_or(0, |c| (session_cookie::COOKIE_NAME.len() + 1 + c.len()) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(mode: SessionMode) -> Sessions {
        Sessions::new(&SessionsConfig { mode, ..SessionsConfig::default() }, 3)
    }

    #[test]
    fn a_session_on_one_server_is_lost_on_another() {
        let mut s = sessions(SessionMode::OnServer);
        let t = SimTime::ZERO;
        assert_eq!(
            s.served(0, 1, 0, t),
            SessionOutcome::Found { checked_out: false },
            "logging in finds nothing to lose"
        );
        assert_eq!(s.served(0, 1, 0, t), SessionOutcome::Found { checked_out: false });
        assert_eq!(s.served(0, 2, 0, t), SessionOutcome::Lost);
        assert_eq!(s.served(0, 2, 0, t), SessionOutcome::Found { checked_out: false }, "logged in again on server 2");
        assert_eq!(s.served(0, 2, 1, t), SessionOutcome::Lost, "server 2 crashed and restarted");
    }

    #[test]
    fn a_journey_ends_in_a_checkout() {
        let mut s = sessions(SessionMode::SignedCookie);
        let outcomes: Vec<_> = (0..5).map(|i| s.served(1, i, 0, SimTime::ZERO)).collect();
        assert_eq!(outcomes[3], SessionOutcome::Found { checked_out: true }, "{outcomes:?}");
        assert!(s.cookie_bytes(1) > 50);
    }

    #[test]
    fn persistence_pins_until_the_server_leaves_or_the_entry_expires() {
        let mut s = sessions(SessionMode::StickyCookie);
        s.placed(0, 2, SimTime::ZERO);
        assert_eq!(s.affinity(0, SimTime::ZERO, |_| true), Some(2));
        assert_eq!(s.affinity(0, SimTime::ZERO, |server| server != 2), None);
        let mut t = sessions(SessionMode::SourceAddress);
        t.placed(0, 1, SimTime::ZERO);
        assert_eq!(t.affinity(0, SimTime::from_secs(1_800), |_| true), Some(1));
        assert_eq!(t.affinity(0, SimTime::from_secs(1_801), |_| true), None, "HAProxy stick-table expire 30m");
    }
}
