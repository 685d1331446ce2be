//! `scalelab cookie sign|verify`: Flask-compatible signed session cookies on the command line.

use crate::args::CookieRequest;
use crate::Failure;
use sim::session_cookie::{sign, verify};

/// Unix time now [s]: the CLI, unlike the model, may read the clock.
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub fn run(request: CookieRequest) -> Result<String, Failure> {
    match request {
        CookieRequest::Sign { secret, salt, timestamp, json } => {
            let payload: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
                Failure::BadInput(format!("the session is not valid JSON ({e}); for example '{{\"user_id\":42}}'"))
            })?;
            if !payload.is_object() {
                return Err(Failure::BadInput("a Flask session is a JSON object, such as '{\"user_id\":42}'".into()));
            }
            let cookie = sign(secret.as_bytes(), &salt, &payload, timestamp.unwrap_or_else(unix_now))
                .map_err(|e| Failure::BadInput(e.to_string()))?;
            Ok(format!("{cookie}\n"))
        }
        CookieRequest::Verify { secret, salt, max_age, now, cookie } => {
            let decoded = verify(secret.as_bytes(), &salt, &cookie, Some(max_age), now.unwrap_or_else(unix_now))
                .map_err(|e| Failure::Refused(e.to_string()))?;
            Ok(format!("{}\n", serde_json::to_string(&decoded.payload).expect("JSON values serialise")))
        }
    }
}
