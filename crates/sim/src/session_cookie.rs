//! Client-side sessions in a signed cookie, byte-compatible with Flask 3.1's default
//! (`SecureCookieSessionInterface`, itsdangerous 2.2 `URLSafeTimedSerializer`):
//!
//! `cookie = payload "." timestamp "." signature`, each part base64url without padding, where
//! - payload is the session as compact JSON as a Flask app writes it (Flask's JSON provider:
//!   `separators=(",", ":")`, `sort_keys=True`, non-ASCII escaped as `\uXXXX`), zlib-compressed
//!   (by zlib's own deflate, `crate::zlib`, so the bytes are Python's) and marked by a leading
//!   `.` when that makes it shorter;
//! - timestamp is the Unix time in seconds, big-endian with no leading zero bytes;
//! - signature is HMAC-SHA1 over `payload "." timestamp`, keyed by HMAC-SHA1(secret, salt)
//!   (itsdangerous's `key_derivation="hmac"`; Flask's salt is `cookie-session`).
//!
//! Vectors made by real Flask are in `tests/fixtures/flask_cookies.json`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;
use std::fmt;
use std::io;

/// Flask's session salt.
pub const FLASK_SALT: &str = "cookie-session";
/// Flask's session cookie name.
pub const COOKIE_NAME: &str = "session";
/// Werkzeug's `max_cookie_size`: browsers drop a `Set-Cookie` larger than this [bytes].
pub const MAX_COOKIE_BYTES: usize = 4093;
/// Flask's default `PERMANENT_SESSION_LIFETIME`: 31 days [s].
pub const DEFAULT_MAX_AGE_S: u64 = 31 * 24 * 3_600;
/// A decompressed payload larger than this is refused [bytes].
const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

type HmacSha1 = Hmac<Sha1>;

#[derive(Clone, Debug, PartialEq)]
pub enum CookieError {
    /// not three dot-separated parts of base64url, or the payload is not JSON
    Malformed(String),
    /// the signature does not match: tampered with, or signed with another key
    BadSignature,
    /// older than the maximum age
    Expired { age_s: u64, max_age_s: u64 },
    /// signed in the future (the clocks disagree)
    FromTheFuture { ahead_s: u64 },
    /// the cookie would be too large for a browser to keep
    TooLarge { bytes: usize },
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::Malformed(why) => write!(f, "malformed cookie: {why}"),
            CookieError::BadSignature => write!(
                f,
                "bad signature: the cookie was changed after it was signed, or signed with another secret key"
            ),
            CookieError::Expired { age_s, max_age_s } => {
                write!(f, "expired: the cookie is {age_s} s old, older than the maximum age of {max_age_s} s")
            }
            CookieError::FromTheFuture { ahead_s } => {
                write!(f, "signed {ahead_s} s in the future: the server's clock is behind the signer's")
            }
            CookieError::TooLarge { bytes } => write!(
                f,
                "the session cookie would be {bytes} bytes, more than the {MAX_COOKIE_BYTES} bytes browsers keep (Werkzeug's max_cookie_size); store less in the session"
            ),
        }
    }
}

/// A cookie's contents, read without checking the signature (for the inspector).
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub payload: Value,
    /// Unix time the cookie was signed [s]
    pub timestamp: u64,
    pub compressed: bool,
}

/// Python's `json.dumps(value, separators=(",", ":"))` with its default `ensure_ascii=True`.
pub fn flask_json(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    serde::Serialize::serialize(&with_sorted_keys(value), &mut serializer).expect("JSON values always serialise");
    String::from_utf8(out).expect("ASCII")
}

/// The value with every object's keys in code-point order, as `sort_keys=True` writes them
/// (explicit, so it holds whatever map type serde_json is built with).
fn with_sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), with_sorted_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(with_sorted_keys).collect()),
        other => other.clone(),
    }
}

/// Escapes every character outside printable ASCII as `\uXXXX` (surrogate pairs above U+FFFF),
/// as Python's json module does.
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        for ch in fragment.chars() {
            if (' '..='~').contains(&ch) {
                writer.write_all(&[ch as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

fn derive_key(secret: &[u8], salt: &str) -> Vec<u8> {
    let mut mac = HmacSha1::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(salt.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn signature(secret: &[u8], salt: &str, signed_part: &str) -> HmacSha1 {
    let mut mac = HmacSha1::new_from_slice(&derive_key(secret, salt)).expect("HMAC takes keys of any length");
    mac.update(signed_part.as_bytes());
    mac
}

/// The timestamp as itsdangerous writes it: big-endian, without leading zero bytes.
fn timestamp_bytes(timestamp: u64) -> Vec<u8> {
    let bytes = timestamp.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
    bytes[first..].to_vec()
}

/// The payload part of a cookie: compact JSON, zlib-compressed (and marked by a leading `.`)
/// when that is shorter, in base64url.
fn payload_part(payload: &Value) -> String {
    let json = flask_json(payload);
    let compressed = crate::zlib::compress(json.as_bytes());
    // itsdangerous keeps the compressed form only when it saves more than the marker costs.
    if compressed.len() < json.len() - 1 {
        format!(".{}", URL_SAFE_NO_PAD.encode(compressed))
    } else {
        URL_SAFE_NO_PAD.encode(json.as_bytes())
    }
}

fn within_size(cookie: String) -> Result<String, CookieError> {
    let header_bytes = COOKIE_NAME.len() + 1 + cookie.len();
    if header_bytes > MAX_COOKIE_BYTES {
        return Err(CookieError::TooLarge { bytes: header_bytes });
    }
    Ok(cookie)
}

/// Signs `payload` as Flask would at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], salt: &str, payload: &Value, timestamp: u64) -> Result<String, CookieError> {
    let signed_part = format!("{}.{}", payload_part(payload), URL_SAFE_NO_PAD.encode(timestamp_bytes(timestamp)));
    let mac = signature(secret, salt, &signed_part).finalize().into_bytes();
    within_size(format!("{signed_part}.{}", URL_SAFE_NO_PAD.encode(mac)))
}

/// What a student without the key can do: put another payload in a cookie and keep its
/// timestamp and signature (which then no longer match).
pub fn replace_payload(cookie: &str, payload: &Value) -> Result<String, CookieError> {
    decode_unverified(cookie)?;
    let (signed_part, sig) = cookie.trim().rsplit_once('.').expect("decoded above");
    let (_, timestamp) = signed_part.rsplit_once('.').expect("decoded above");
    within_size(format!("{}.{timestamp}.{sig}", payload_part(payload)))
}

/// Reads a cookie's payload and timestamp without checking its signature.
pub fn decode_unverified(cookie: &str) -> Result<Decoded, CookieError> {
    let cookie = cookie.trim();
    let (signed_part, _) = cookie.rsplit_once('.').ok_or_else(|| malformed("it has no signature part"))?;
    let (body, timestamp) = signed_part.rsplit_once('.').ok_or_else(|| malformed("it has no timestamp part"))?;
    let timestamp = URL_SAFE_NO_PAD.decode(timestamp).map_err(|_| malformed("its timestamp is not base64url"))?;
    if timestamp.is_empty() || timestamp.len() > 8 {
        return Err(malformed("its timestamp is not a time"));
    }
    let timestamp = timestamp.iter().fold(0u64, |t, &b| t << 8 | u64::from(b));
    let (compressed, body) = match body.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let mut json = URL_SAFE_NO_PAD.decode(body).map_err(|_| malformed("its payload is not base64url"))?;
    if compressed {
        json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&json, MAX_PAYLOAD_BYTES)
            .map_err(|_| malformed("its compressed payload does not decompress"))?;
    }
    let payload = serde_json::from_slice(&json).map_err(|e| malformed(&format!("its payload is not JSON ({e})")))?;
    Ok(Decoded { payload, timestamp, compressed })
}

fn malformed(why: &str) -> CookieError {
    CookieError::Malformed(why.to_string())
}

/// Verifies a cookie as Flask does: signature first, then age against `max_age_s` at `now`.
pub fn verify(
    secret: &[u8],
    salt: &str,
    cookie: &str,
    max_age_s: Option<u64>,
    now: u64,
) -> Result<Decoded, CookieError> {
    let cookie = cookie.trim();
    let decoded = decode_unverified(cookie)?;
    let (signed_part, sig) = cookie.rsplit_once('.').expect("decoded above");
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| CookieError::BadSignature)?;
    // Constant-time comparison, as itsdangerous uses hmac.compare_digest.
    signature(secret, salt, signed_part).verify_slice(&sig).map_err(|_| CookieError::BadSignature)?;
    if let Some(max_age_s) = max_age_s {
        if decoded.timestamp > now {
            return Err(CookieError::FromTheFuture { ahead_s: decoded.timestamp - now });
        }
        let age_s = now - decoded.timestamp;
        if age_s > max_age_s {
            return Err(CookieError::Expired { age_s, max_age_s });
        }
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_issue_vector() {
        let cookie = sign(b"dev-secret", FLASK_SALT, &json!({"user_id": 42}), 1_700_000_000).unwrap();
        assert_eq!(cookie, "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM");
    }

    #[test]
    fn json_is_compact_with_sorted_keys_and_ascii() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":"Zoë 😀\n\u007f","c":{"z":[{"y":1,"x":2}],"é":0,"Z":0}}"#).unwrap();
        assert_eq!(
            flask_json(&v),
            r#"{"a":"Zo\u00eb \ud83d\ude00\n\u007f","b":1,"c":{"Z":0,"z":[{"x":2,"y":1}],"\u00e9":0}}"#
        );
    }

    #[test]
    fn every_failure_has_its_reason() {
        let secret = b"dev-secret";
        let cookie = sign(secret, FLASK_SALT, &json!({"user_id": 42}), 1_000).unwrap();
        assert_eq!(verify(secret, FLASK_SALT, &cookie, Some(100), 1_050).unwrap().payload, json!({"user_id": 42}));
        assert_eq!(verify(b"other", FLASK_SALT, &cookie, None, 0), Err(CookieError::BadSignature));
        assert_eq!(
            verify(secret, FLASK_SALT, &cookie, Some(100), 1_101),
            Err(CookieError::Expired { age_s: 101, max_age_s: 100 })
        );
        assert_eq!(
            verify(secret, FLASK_SALT, &cookie, Some(100), 900),
            Err(CookieError::FromTheFuture { ahead_s: 100 })
        );
        assert!(matches!(verify(secret, FLASK_SALT, "not-a-cookie", None, 0), Err(CookieError::Malformed(_))));
        let forged = replace_payload(&cookie, &json!({"user_id": 1})).unwrap();
        assert_eq!(decode_unverified(&forged).unwrap().payload, json!({"user_id": 1}));
        assert_eq!(verify(secret, FLASK_SALT, &forged, None, 0), Err(CookieError::BadSignature));
        assert_eq!(replace_payload(&cookie, &json!({"user_id": 42})).unwrap(), cookie, "same payload, same cookie");
        let big = json!({"blob": (0..3_000).map(|i| i.to_string()).collect::<Vec<_>>()});
        assert!(matches!(sign(secret, FLASK_SALT, &big, 0), Err(CookieError::TooLarge { .. })));
    }
}
