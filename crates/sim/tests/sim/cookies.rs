//! Signed session cookies against real Flask: vectors made by Flask 3.1 (see
//! `scripts/flask_cookie_vectors.py`), and properties over any payload and key.

use proptest::prelude::*;
use serde_json::{json, Value};
use sim::session_cookie::{decode_unverified, sign, verify, CookieError, DEFAULT_MAX_AGE_S, FLASK_SALT};

fn vectors() -> Vec<Value> {
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/flask_cookies.json")).unwrap();
    assert_eq!(fixture["salt"], FLASK_SALT);
    fixture["vectors"].as_array().unwrap().clone()
}

#[test]
fn cookies_made_by_flask_verify_and_decode() {
    for v in vectors() {
        let secret = v["secret"].as_str().unwrap().as_bytes();
        let cookie = v["cookie"].as_str().unwrap();
        let timestamp = v["timestamp"].as_u64().unwrap();
        let decoded = verify(secret, FLASK_SALT, cookie, Some(DEFAULT_MAX_AGE_S), timestamp + 60)
            .unwrap_or_else(|e| panic!("{}: {e}", v["case"]));
        assert_eq!(decoded.payload, v["payload"], "{}", v["case"]);
        assert_eq!(decoded.timestamp, timestamp);
        assert_eq!(decoded.compressed, cookie.starts_with('.'), "{}", v["case"]);
    }
}

#[test]
fn scalelab_signs_what_flask_signs() {
    // Compressed payloads too: the compressor is zlib's own deflate (sim::zlib).
    for v in vectors() {
        let secret = v["secret"].as_str().unwrap().as_bytes();
        let ours = sign(secret, FLASK_SALT, &v["payload"], v["timestamp"].as_u64().unwrap()).unwrap();
        assert_eq!(ours, v["cookie"].as_str().unwrap(), "{}", v["case"]);
        assert_eq!(decode_unverified(&ours).unwrap().payload, v["payload"]);
    }
}

/// The bytes `scripts/zlib_vectors.py` compresses, made the same way from the same seed.
fn zlib_input(seed: u64, alphabet: &str, length: usize, runs: bool) -> Vec<u8> {
    let symbols: Vec<u8> = if alphabet == "*" { (0..=255).collect() } else { alphabet.bytes().collect() };
    let (mut x, mut out) = (seed, Vec::with_capacity(length));
    while out.len() < length {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let r = x >> 33;
        if runs && !out.is_empty() && r % 7 == 0 {
            let back = 1 + ((r >> 3) % out.len().min(40_000) as u64) as usize;
            for _ in 0..3 + (r >> 20) % 300 {
                out.push(out[out.len() - back]);
            }
        } else {
            out.push(symbols[(r % symbols.len() as u64) as usize]);
        }
    }
    out.truncate(length);
    out
}

#[test]
fn zlib_writes_what_pythons_zlib_writes() {
    use sha1::Digest;
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/zlib_vectors.json")).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 192);
    for case in cases {
        let input = zlib_input(
            case["seed"].as_u64().unwrap(),
            case["alphabet"].as_str().unwrap(),
            case["length"].as_u64().unwrap() as usize,
            case["runs"].as_bool().unwrap(),
        );
        let ours = sim::zlib::compress(&input);
        let sha1: String = sha1::Sha1::digest(&ours).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            (ours.len() as u64, sha1.as_str()),
            (case["compressed_length"].as_u64().unwrap(), case["sha1"].as_str().unwrap()),
            "{case}"
        );
    }
}

#[test]
fn the_simulated_servers_write_the_session_a_flask_view_writes() {
    use sim::components::sessions::{session_payload, EPOCH_UNIX_S};
    let view = vectors().into_iter().find(|v| v["case"] == "set by a view").expect("the view vector");
    assert_eq!(view["timestamp"].as_u64(), Some(EPOCH_UNIX_S));
    let ours = sign(b"dev-secret", FLASK_SALT, &session_payload(7, 2), EPOCH_UNIX_S).unwrap();
    assert_eq!(ours, view["cookie"].as_str().unwrap());
}

#[test]
fn expired_tampered_and_wrong_key_cookies_are_refused_with_their_reason() {
    let v = &vectors()[0];
    let cookie = v["cookie"].as_str().unwrap();
    let signed_at = v["timestamp"].as_u64().unwrap();
    let expired = verify(b"dev-secret", FLASK_SALT, cookie, Some(DEFAULT_MAX_AGE_S), signed_at + DEFAULT_MAX_AGE_S + 1);
    assert_eq!(expired, Err(CookieError::Expired { age_s: DEFAULT_MAX_AGE_S + 1, max_age_s: DEFAULT_MAX_AGE_S }));
    // A student changes user_id 42 → 1 and keeps the old signature.
    let forged_payload = base64_json(r#"{"user_id":1}"#);
    let (_, rest) = cookie.split_once('.').unwrap();
    assert_eq!(
        verify(b"dev-secret", FLASK_SALT, &format!("{forged_payload}.{rest}"), None, 0),
        Err(CookieError::BadSignature)
    );
    let mut bad_signature = cookie.to_string();
    bad_signature.replace_range(bad_signature.len() - 3..bad_signature.len() - 2, "A");
    assert_eq!(verify(b"dev-secret", FLASK_SALT, &bad_signature, None, 0), Err(CookieError::BadSignature));
    assert_eq!(verify(b"wrong-key", FLASK_SALT, cookie, None, 0), Err(CookieError::BadSignature));
    assert_eq!(verify(b"dev-secret", "another-salt", cookie, None, 0), Err(CookieError::BadSignature));
}

fn base64_json(json: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,6}", inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_round_trips(payload in json_value(), secret in prop::collection::vec(any::<u8>(), 0..40), t in 0u64..4_000_000_000) {
        let cookie = sign(&secret, FLASK_SALT, &payload, t).unwrap();
        let decoded = verify(&secret, FLASK_SALT, &cookie, Some(10), t + 10).unwrap();
        prop_assert_eq!(decoded.payload, payload);
        prop_assert_eq!(decoded.timestamp, t);
    }

    #[test]
    fn any_single_byte_change_fails(payload in json_value(), position in any::<prop::sample::Index>(), replacement in any::<u8>()) {
        let cookie = sign(b"dev-secret", FLASK_SALT, &payload, 1_700_000_000).unwrap();
        let mut bytes = cookie.clone().into_bytes();
        let i = position.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(verify(b"dev-secret", FLASK_SALT, &changed, None, 0).is_err(), "{} verified", changed);
    }
}
