//! Where each user's session lives, and what happens to it: on the server that made it, pinned
//! there by the balancer (HAProxy `cookie SERVERID insert indirect nocache`, or a source-address
//! stick table with an expiry), in a shared session store, or carried by the client in a Flask
//! signed cookie. Each user's visit is a journey (log in, browse, add to cart, check out); a
//! request that finds no session sends the user back to the login page.

use crate::rng::splitmix64;
use crate::scenario::{SessionMode, SessionsConfig};
use crate::session_cookie::{self, CookieError};
use crate::time::SimTime;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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

    /// A valid cookie carries a logged-in session: a user at the login page moves on.
    fn max_with_login_done(self) -> JourneyStep {
        if self == JourneyStep::LogIn {
            JourneyStep::Browse
        } else {
            self
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JourneyStep::LogIn => "log in",
            JourneyStep::Browse => "browse",
            JourneyStep::AddToCart => "add to cart",
            JourneyStep::CheckOut => "check out",
        }
    }
}

/// What one answered request found.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionOutcome {
    /// sessions are not modelled in this scenario
    NotModelled,
    /// the session was there; the user moved on (and `checked_out` when that step was the last)
    Found { checked_out: bool },
    /// no session where the request landed: the user is back at the login page, cart empty
    Lost,
    /// the server refused the session cookie the user's browser sent (an edited one) and handed
    /// out an empty session, as Flask does
    CookieRejected(CookieError),
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
    /// sessions this user has started (names the session id a server-side session gets)
    sessions_started: u32,
    /// when the servers last signed the user's cookie [whole simulated seconds]
    signed_at_s: u64,
    /// size of the signed session cookie the client carries [bytes]
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
            sessions_started: 0,
            signed_at_s: 0,
            cookie_bytes: 0,
        }
    }
}

/// The secret the simulated Flask servers sign session cookies with.
pub const DEMO_SECRET: &str = "scalelab-demo-secret";
/// Simulated time 0 as a Unix time, for cookie timestamps: 2026-01-01T00:00:00Z.
pub const EPOCH_UNIX_S: u64 = 1_767_225_600;
/// Flask-Session's session id: `secrets.token_urlsafe(32)`, 43 characters.
const SESSION_ID_CHARS: u64 = 43;
/// The balancer's cookie under cookie persistence (HAProxy `cookie SERVERID`).
const SERVERID: &str = "SERVERID";

/// `SERVERID=s<n>`: the cookie HAProxy sets for server n (id n − 1, configured `cookie s<n>`).
fn serverid_cookie(server: u32) -> String {
    format!("{SERVERID}=s{}", server + 1)
}

/// The length of `serverid_cookie(server)`, without building it (every request needs it).
fn serverid_cookie_len(server: u32) -> u64 {
    (SERVERID.len() + 2) as u64 + u64::from((server + 1).ilog10() + 1)
}

/// What the inspector shows about one user.
#[derive(Clone, Debug, PartialEq)]
pub struct UserView {
    pub user: u32,
    /// the step the user's next request takes
    pub next_step: JourneyStep,
    pub cart_items: u32,
    /// the server holding a server-side session, if any
    pub home_server: Option<u32>,
    /// the `Cookie` header the user's next request carries ("" when none)
    pub cookie_header: String,
    /// the signed session cookie alone (signed-cookie mode), and whether a student edited it
    pub session_cookie: Option<String>,
    pub edited: bool,
}

/// Who sent a request, as persistence sees it: a user's browser, which keeps the cookies it is
/// sent, or ab, which keeps none (every request carries only the cookie given with `-C`) and
/// runs on one machine, so all its connections share one source address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    User(u32),
    LoadTester,
}

/// What persistence knows of the load tester.
#[derive(Clone, Copy, Debug, Default)]
struct LoadTesterPersistence {
    /// the server its `-C` cookie names (`SERVERID=s<n>`), which cookie persistence honours
    serverid: Option<u32>,
    /// the stick-table entry for its address: server, last used
    stuck_to: Option<(u32, SimTime)>,
    /// bytes of the cookie it sends
    cookie_bytes: u64,
    /// length of the Flask-Session id its `-C` cookie carries (`session=<id>`), if any
    session_id_len: Option<u64>,
}

#[derive(Clone)]
pub struct Sessions {
    mode: SessionMode,
    stick_expiry: SimTime,
    /// by user id; empty when sessions are not modelled
    users: Vec<UserSession>,
    /// cookies a student put in a user's browser, waiting for that user's next request
    edited_cookies: BTreeMap<u32, String>,
    load_tester: LoadTesterPersistence,
}

impl Sessions {
    pub fn new(config: &SessionsConfig, users: u32) -> Self {
        let modelled = config.mode != SessionMode::None;
        Sessions {
            mode: config.mode,
            stick_expiry: SimTime::from_millis_f64(config.stick_table_expire_ms),
            users: if modelled { vec![UserSession::default(); users as usize] } else { Vec::new() },
            edited_cookies: BTreeMap::new(),
            load_tester: LoadTesterPersistence::default(),
        }
    }

    /// The cookie ab sends with every request (`-C`), as a `Cookie` header's value.
    pub fn set_load_tester_cookie(&mut self, cookie: Option<&str>) {
        let value_of = |name: &str| {
            cookie.into_iter().flat_map(|c| c.split(';')).find_map(|pair| {
                let (n, v) = pair.trim().split_once('=')?;
                (n == name && !v.is_empty()).then(|| v.to_string())
            })
        };
        let serverid = value_of(SERVERID).and_then(|v| v.strip_prefix('s')?.parse::<u32>().ok()?.checked_sub(1));
        let session_id_len = value_of(session_cookie::COOKIE_NAME).map(|id| id.len() as u64);
        let cookie_bytes = cookie.map_or(0, |c| c.len() as u64);
        self.load_tester = LoadTesterPersistence { serverid, stuck_to: None, cookie_bytes, session_id_len };
    }

    /// Whether the sender's request has a session in the store, which Flask-Session reads first
    /// and, the session being permanent and refreshed on every request, saves back: a user's
    /// does; ab's only when its `-C` cookie carries a session id. That session is taken to be
    /// one you logged in to before the run, which is how a logged-in page is benchmarked; with
    /// no session id Flask-Session neither reads nor saves.
    pub fn session_in_store(&self, sender: Sender) -> bool {
        self.mode == SessionMode::Database
            && match sender {
                Sender::User(_) => true,
                Sender::LoadTester => self.load_tester.session_id_len.is_some(),
            }
    }

    pub fn mode(&self) -> SessionMode {
        self.mode
    }

    /// The server the balancer must use for this sender, when persistence pins it to one that
    /// still takes traffic. Otherwise the balancer's algorithm decides.
    pub fn affinity(&self, sender: Sender, now: SimTime, in_rotation: impl Fn(u32) -> bool) -> Option<u32> {
        let (cookie_server, stuck_to) = match sender {
            Sender::User(user) => {
                let u = self.users.get(user as usize)?;
                (u.cookie_server, u.stuck_to)
            }
            Sender::LoadTester => (self.load_tester.serverid, self.load_tester.stuck_to),
        };
        let pinned = match self.mode {
            SessionMode::StickyCookie => cookie_server,
            SessionMode::SourceAddress => stuck_to.filter(|&(_, used)| now - used <= self.stick_expiry).map(|(s, _)| s),
            SessionMode::None | SessionMode::OnServer | SessionMode::SignedCookie | SessionMode::Database => None,
        };
        pinned.filter(|&s| in_rotation(s))
    }

    /// The balancer sent the sender's request to `server`: persistence records it (HAProxy
    /// inserts or rewrites the cookie, which ab throws away; the stick table refreshes the
    /// entry for the sender's address).
    pub fn placed(&mut self, sender: Sender, server: u32, now: SimTime) {
        match (sender, self.mode) {
            (Sender::User(user), mode) => {
                let Some(u) = self.users.get_mut(user as usize) else { return };
                match mode {
                    SessionMode::StickyCookie => u.cookie_server = Some(server),
                    SessionMode::SourceAddress => u.stuck_to = Some((server, now)),
                    SessionMode::None | SessionMode::OnServer | SessionMode::SignedCookie | SessionMode::Database => {}
                }
            }
            (Sender::LoadTester, SessionMode::SourceAddress) => self.load_tester.stuck_to = Some((server, now)),
            (Sender::LoadTester, _) => {}
        }
    }

    /// Header bytes added to a response from `server` to ab: HAProxy's inserted
    /// `set-cookie: SERVERID=s<n>; path=/` with `cache-control: private` (its `nocache`),
    /// whenever ab's request did not carry that server's cookie (ab never keeps the one it is
    /// given); Flask's `Vary: Cookie`, since the app reads the session on every request; and
    /// Flask-Session's refreshed `Set-Cookie: session=<id>; Expires=…; HttpOnly; Path=/` when
    /// ab's session is in the store (Werkzeug's attribute order; an HTTP date is 29 characters).
    pub fn load_tester_response_header_bytes(&self, server: u32) -> u64 {
        let vary = if self.mode == SessionMode::None { 0 } else { "Vary: Cookie\r\n".len() as u64 };
        let inserted = if self.mode == SessionMode::StickyCookie && self.load_tester.serverid != Some(server) {
            "set-cookie: ; path=/\r\ncache-control: private\r\n".len() as u64 + serverid_cookie_len(server)
        } else {
            0
        };
        let refreshed = match self.load_tester.session_id_len {
            Some(id_len) if self.session_in_store(Sender::LoadTester) => {
                "Set-Cookie: session=; Expires=Thu, 31 Dec 2026 00:00:00 GMT; HttpOnly; Path=/\r\n".len() as u64
                    + id_len
            }
            _ => 0,
        };
        vary + inserted + refreshed
    }

    /// A student puts `cookie` in the user's browser in place of the session cookie. The engine
    /// has checked that sessions travel in signed cookies and that the user exists.
    pub fn edit_cookie(&mut self, user: u32, cookie: String) {
        self.edited_cookies.insert(user, cookie);
    }

    /// A server answered the sender's request; `server_life` is that server's present life. ab
    /// is on no journey: its requests are page views (with a session id, see `session_in_store`).
    pub fn served(&mut self, sender: Sender, server: u32, server_life: u32, now: SimTime) -> SessionOutcome {
        let Sender::User(user) = sender else { return SessionOutcome::NotModelled };
        let mode = self.mode;
        let edited = self.edited_cookies.remove(&user);
        let Some(u) = self.users.get_mut(user as usize) else { return SessionOutcome::NotModelled };
        let mut rejected = None;
        let found = match mode {
            SessionMode::None => return SessionOutcome::NotModelled,
            // The client carries the session: any server with the key can read it, unless a
            // student edited it and the signature no longer matches.
            SessionMode::SignedCookie => match edited.map(|cookie| read_edited_cookie(&cookie, now)) {
                None => true,
                Some(Ok(cart_items)) => {
                    u.cart_items = cart_items;
                    u.step = u.step.max_with_login_done();
                    true
                }
                Some(Err(e)) => {
                    rejected = Some(e);
                    false
                }
            },
            // Any server reads it from the store.
            SessionMode::Database => true,
            SessionMode::OnServer | SessionMode::StickyCookie | SessionMode::SourceAddress => {
                u.step == JourneyStep::LogIn || u.home == Some((server, server_life))
            }
        };
        let outcome = if found {
            let checked_out = u.step == JourneyStep::CheckOut;
            if u.step == JourneyStep::LogIn {
                u.sessions_started += 1;
            }
            match u.step {
                JourneyStep::AddToCart => u.cart_items += 1,
                JourneyStep::CheckOut => u.cart_items = 0,
                JourneyStep::LogIn | JourneyStep::Browse => {}
            }
            u.step = u.step.next();
            SessionOutcome::Found { checked_out }
        } else {
            // Back at the login page with an empty session.
            *u = UserSession {
                cookie_server: u.cookie_server,
                stuck_to: u.stuck_to,
                sessions_started: u.sessions_started,
                ..UserSession::default()
            };
            rejected.map_or(SessionOutcome::Lost, SessionOutcome::CookieRejected)
        };
        u.home = Some((server, server_life));
        if mode == SessionMode::SignedCookie && found {
            // Flask sends the cookie again when the session changed; an empty session (after a
            // loss) sets none. Its length depends only on the user and the cart.
            u.signed_at_s = now.whole_secs();
            u.cookie_bytes = signed_cookie(user, u.cart_items, u.signed_at_s).len() as u32;
        }
        outcome
    }

    /// Bytes of the `Cookie` header the sender's next request carries (see `cookie_header`;
    /// worked out without building it, because every request needs it).
    pub fn cookie_bytes(&self, sender: Sender) -> u64 {
        let user = match sender {
            Sender::User(user) => user,
            Sender::LoadTester => return self.load_tester.cookie_bytes,
        };
        let Some(u) = self.users.get(user as usize) else { return 0 };
        if let Some(edited) = self.edited_cookies.get(&user) {
            return (session_cookie::COOKIE_NAME.len() + 1 + edited.len()) as u64;
        }
        let session_id =
            || if u.sessions_started > 0 { session_cookie::COOKIE_NAME.len() as u64 + 1 + SESSION_ID_CHARS } else { 0 };
        match self.mode {
            SessionMode::None => 0,
            SessionMode::SignedCookie => u64::from(u.cookie_bytes),
            SessionMode::OnServer | SessionMode::SourceAddress | SessionMode::Database => session_id(),
            SessionMode::StickyCookie => {
                let serverid = u.cookie_server.map_or(0, serverid_cookie_len);
                let separator = if session_id() > 0 && serverid > 0 { 2 } else { 0 };
                session_id() + separator + serverid
            }
        }
    }

    /// The `Cookie` header of the user's next request, as the browser would send it.
    pub fn cookie_header(&self, user: u32) -> String {
        let Some(u) = self.users.get(user as usize) else { return String::new() };
        let session = |value: String| format!("{}={value}", session_cookie::COOKIE_NAME);
        if let Some(edited) = self.edited_cookies.get(&user) {
            return session(edited.clone());
        }
        let session_id = (u.sessions_started > 0).then(|| session(session_id(user, u.sessions_started)));
        let parts: Vec<String> = match self.mode {
            SessionMode::None => Vec::new(),
            SessionMode::SignedCookie => {
                if u.cookie_bytes > 0 {
                    vec![signed_cookie(user, u.cart_items, u.signed_at_s)]
                } else {
                    Vec::new()
                }
            }
            SessionMode::OnServer | SessionMode::SourceAddress | SessionMode::Database => {
                session_id.into_iter().collect()
            }
            SessionMode::StickyCookie => session_id.into_iter().chain(u.cookie_server.map(serverid_cookie)).collect(),
        };
        parts.join("; ")
    }

    /// What the inspector shows about the user; None when sessions are not modelled.
    pub fn user_view(&self, user: u32) -> Option<UserView> {
        let u = self.users.get(user as usize)?;
        let edited = self.edited_cookies.get(&user);
        let session_cookie = match (self.mode, edited) {
            (_, Some(cookie)) => Some(cookie.clone()),
            (SessionMode::SignedCookie, None) if u.cookie_bytes > 0 => {
                Some(signed_cookie_value(user, u.cart_items, u.signed_at_s))
            }
            _ => None,
        };
        Some(UserView {
            user,
            next_step: u.step,
            cart_items: u.cart_items,
            home_server: if self.mode.on_server() { u.home.map(|(s, _)| s) } else { None },
            cookie_header: self.cookie_header(user),
            session_cookie,
            edited: edited.is_some(),
        })
    }
}

/// The session a user's cookie holds: their id and the items in their cart.
pub fn session_payload(user: u32, cart_items: u32) -> Value {
    json!({ "user_id": user, "cart": (0..cart_items).map(|i| 1000 + i).collect::<Vec<_>>() })
}

/// The Flask cookie value holding this session, signed for real with the demo secret (so the
/// bytes a student sees are the bytes Flask would send).
fn signed_cookie_value(user: u32, cart_items: u32, signed_at_s: u64) -> String {
    let payload = session_payload(user, cart_items);
    session_cookie::sign(DEMO_SECRET.as_bytes(), session_cookie::FLASK_SALT, &payload, EPOCH_UNIX_S + signed_at_s)
        .unwrap_or_default()
}

/// `session=<value>`, the cookie as the browser sends it. Not inlined: signing (JSON, zlib,
/// HMAC) would make `Sessions::served`, which every request passes through, many times larger.
#[inline(never)]
fn signed_cookie(user: u32, cart_items: u32, signed_at_s: u64) -> String {
    format!("{}={}", session_cookie::COOKIE_NAME, signed_cookie_value(user, cart_items, signed_at_s))
}

/// A server reads a cookie a student edited: it verifies it with its key, as Flask does (no
/// maximum age for a session that is not permanent), and takes the cart it holds. Not inlined,
/// as `signed_cookie`.
#[inline(never)]
fn read_edited_cookie(cookie: &str, now: SimTime) -> Result<u32, CookieError> {
    let decoded = session_cookie::verify(
        DEMO_SECRET.as_bytes(),
        session_cookie::FLASK_SALT,
        cookie,
        None,
        EPOCH_UNIX_S + now.whole_secs(),
    )?;
    let cart = decoded.payload.get("cart").and_then(Value::as_array).map_or(0, Vec::len);
    Ok(cart.min(u32::MAX as usize) as u32)
}

/// The Flask-Session id of the user's `number`th session: 43 URL-safe characters, drawn
/// from the user and the number (not from the run's random streams, which it must not disturb).
fn session_id(user: u32, number: u32) -> String {
    let mut state = u64::from(user) << 32 | u64::from(number);
    let bytes: Vec<u8> = (0..4).flat_map(|_| splitmix64(&mut state).to_le_bytes()).collect();
    URL_SAFE_NO_PAD.encode(&bytes[..32])
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
            s.served(Sender::User(0), 1, 0, t),
            SessionOutcome::Found { checked_out: false },
            "logging in finds nothing to lose"
        );
        assert_eq!(s.served(Sender::User(0), 1, 0, t), SessionOutcome::Found { checked_out: false });
        assert_eq!(s.served(Sender::User(0), 2, 0, t), SessionOutcome::Lost);
        assert_eq!(
            s.served(Sender::User(0), 2, 0, t),
            SessionOutcome::Found { checked_out: false },
            "logged in again on server 2"
        );
        assert_eq!(s.served(Sender::User(0), 2, 1, t), SessionOutcome::Lost, "server 2 crashed and restarted");
    }

    #[test]
    fn a_journey_ends_in_a_checkout() {
        let mut s = sessions(SessionMode::SignedCookie);
        let outcomes: Vec<_> = (0..5).map(|i| s.served(Sender::User(1), i, 0, SimTime::ZERO)).collect();
        assert_eq!(outcomes[3], SessionOutcome::Found { checked_out: true }, "{outcomes:?}");
        assert!(s.cookie_bytes(Sender::User(1)) > 50);
    }

    #[test]
    fn persistence_pins_until_the_server_leaves_or_the_entry_expires() {
        let mut s = sessions(SessionMode::StickyCookie);
        s.placed(Sender::User(0), 2, SimTime::ZERO);
        assert_eq!(s.affinity(Sender::User(0), SimTime::ZERO, |_| true), Some(2));
        assert_eq!(s.affinity(Sender::User(0), SimTime::ZERO, |server| server != 2), None);
        let mut t = sessions(SessionMode::SourceAddress);
        t.placed(Sender::User(0), 1, SimTime::ZERO);
        assert_eq!(t.affinity(Sender::User(0), SimTime::from_secs(1_800), |_| true), Some(1));
        assert_eq!(
            t.affinity(Sender::User(0), SimTime::from_secs(1_801), |_| true),
            None,
            "HAProxy stick-table expire 30m"
        );
    }

    /// ab keeps no cookies: under cookie persistence it sticks only to the server its -C cookie
    /// names; from its one address it shares one stick-table entry; it is on no journey.
    #[test]
    fn ab_keeps_no_cookies_and_has_one_address() {
        let mut s = sessions(SessionMode::StickyCookie);
        s.placed(Sender::LoadTester, 1, SimTime::ZERO);
        assert_eq!(s.affinity(Sender::LoadTester, SimTime::ZERO, |_| true), None, "ab dropped HAProxy's Set-Cookie");
        s.set_load_tester_cookie(Some("lang=en; SERVERID=s3"));
        assert_eq!(s.affinity(Sender::LoadTester, SimTime::ZERO, |_| true), Some(2));
        assert_eq!(s.affinity(Sender::LoadTester, SimTime::ZERO, |server| server != 2), None, "s3 is down");
        assert_eq!(s.cookie_bytes(Sender::LoadTester), "lang=en; SERVERID=s3".len() as u64);
        s.set_load_tester_cookie(Some("SERVERID=s0"));
        assert_eq!(s.affinity(Sender::LoadTester, SimTime::ZERO, |_| true), None, "no server s0");
        let mut t = sessions(SessionMode::SourceAddress);
        assert_eq!(t.affinity(Sender::LoadTester, SimTime::ZERO, |_| true), None);
        t.placed(Sender::LoadTester, 2, SimTime::ZERO);
        assert_eq!(t.affinity(Sender::LoadTester, SimTime::from_secs(60), |_| true), Some(2));
        assert_eq!(t.affinity(Sender::User(0), SimTime::from_secs(60), |_| true), None, "a user's own address");
        let mut o = sessions(SessionMode::OnServer);
        assert_eq!(o.served(Sender::LoadTester, 0, 0, SimTime::ZERO), SessionOutcome::NotModelled);
        // What ab reads on top of the usual head: Flask's Vary: Cookie (14 bytes), and HAProxy's
        // inserted cookie for a server its -C does not name.
        assert_eq!(o.load_tester_response_header_bytes(0), 14);
        assert_eq!(sessions(SessionMode::None).load_tester_response_header_bytes(0), 0);
        assert_eq!(
            s.load_tester_response_header_bytes(0),
            14 + "set-cookie: SERVERID=s1; path=/\r\n".len() as u64 + 24
        );
        s.set_load_tester_cookie(Some("SERVERID=s1"));
        assert_eq!(s.load_tester_response_header_bytes(0), 14);
    }

    #[test]
    fn the_counted_cookie_bytes_are_the_header_the_browser_sends() {
        for mode in SessionMode::ALL {
            let mut s = sessions(mode);
            for (i, server) in [0, 1, 12, 1, 2].into_iter().enumerate() {
                let now = SimTime::from_secs(i as u64);
                s.placed(Sender::User(0), server, now);
                s.served(Sender::User(0), server, 0, now);
                let header = s.cookie_header(0);
                assert_eq!(s.cookie_bytes(Sender::User(0)), header.len() as u64, "{mode:?}: {header}");
            }
        }
        let mut s = sessions(SessionMode::StickyCookie);
        s.placed(Sender::User(2), 11, SimTime::ZERO);
        s.served(Sender::User(2), 11, 0, SimTime::ZERO);
        let header = s.cookie_header(2);
        assert!(header.starts_with("session=") && header.ends_with("; SERVERID=s12"), "{header}");
        assert_eq!(header.len(), 8 + 43 + 2 + 12);
        let mut c = sessions(SessionMode::SignedCookie);
        c.edit_cookie(1, "abc.def".into());
        assert_eq!(c.cookie_header(1), "session=abc.def");
        assert_eq!(c.cookie_bytes(Sender::User(1)), 15);
    }
}
