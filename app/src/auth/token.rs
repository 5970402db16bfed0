//! HS256 session tokens: ours, or any service's that shares the secret.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What one of our tokens is for ([`SESSION_TYPE`], [`API_TYPE`]); another service's
    /// tokens carry neither and are API tokens (a `typ` of theirs that is not a string is
    /// ignored, not refused).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_none"
    )]
    pub typ: Option<String>,
    /// The sign-in session a token of ours was minted under; it lives only as long as that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

fn string_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

/// `typ` of the session cookie's token: accepted as a cookie only, never as a bearer token.
pub const SESSION_TYPE: &str = "todokit_session";
/// `typ` of the page's short-lived API token: a bearer token, valid while its session is.
pub const API_TYPE: &str = "todokit_api";

/// `aud` as RFC 7519 allows it: one string, or an array (other issuers send either).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

#[derive(Debug, PartialEq, thiserror::Error)]
#[error("invalid or expired token: {0}")]
pub struct TokenError(pub String);

/// Seconds of clock difference tolerated between us and another token issuer.
const LEEWAY_SECS: u64 = 60;

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: Option<String>, audience: Option<String>) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer,
            audience,
        }
    }

    /// Signs a bearer token for `sub` valid for `ttl_secs`, tied to no session (the CLI's).
    pub fn issue(&self, sub: &str, email: Option<&str>, ttl_secs: i64) -> String {
        self.sign(self.claims(sub, email, ttl_secs))
    }

    /// Signs a token of kind `typ` ([`SESSION_TYPE`] or [`API_TYPE`]) under session `sid`.
    pub fn issue_in_session(
        &self,
        sub: &str,
        email: Option<&str>,
        ttl_secs: i64,
        typ: &str,
        sid: &str,
    ) -> String {
        self.sign(Claims {
            typ: Some(typ.to_string()),
            sid: Some(sid.to_string()),
            ..self.claims(sub, email, ttl_secs)
        })
    }

    fn claims(&self, sub: &str, email: Option<&str>, ttl_secs: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: sub.to_string(),
            exp: now + ttl_secs,
            iat: Some(now),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(Audience::One),
            email: email.map(str::to_string),
            name: None,
            typ: None,
            sid: None,
        }
    }

    fn sign(&self, claims: Claims) -> String {
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// Verifies signature (HS256 only, so `alg: none` is refused), expiry and not-before with
    /// a 60 s leeway, and issuer/audience when configured.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        v.set_required_spec_claims(&["exp", "sub"]);
        match &self.issuer {
            Some(iss) => v.set_issuer(&[iss]),
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => v.set_audience(&[aud]),
            None => v.validate_aud = false,
        }
        let data =
            decode::<Claims>(token, &self.decoding, &v).map_err(|e| TokenError(e.to_string()))?;
        if data.claims.sub.trim().is_empty() || data.claims.sub.len() > 200 {
            return Err(TokenError("subject is empty or too long".into()));
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_we_issue_verifies_and_a_foreign_key_does_not() {
        let keys = TokenKeys::new(b"secret-one", None, None);
        let t = keys.issue("u1", Some("a@b.c"), 60);
        assert_eq!(keys.verify(&t).unwrap().sub, "u1");
        let other = TokenKeys::new(b"secret-two", None, None);
        assert!(other.verify(&t).is_err());
    }

    #[test]
    fn an_audience_array_is_accepted_when_it_names_ours() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let keys = TokenKeys::new(secret, None, Some("todokit".into()));
        let sign = |aud: serde_json::Value| {
            let claims = serde_json::json!({
                "sub": "u1", "exp": chrono::Utc::now().timestamp() + 60, "aud": aud,
            });
            let key = EncodingKey::from_secret(secret);
            encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
        };
        let ok = keys.verify(&sign(serde_json::json!(["other", "todokit"])));
        assert_eq!(ok.unwrap().sub, "u1");
        assert!(keys.verify(&sign(serde_json::json!("todokit"))).is_ok());
        assert!(keys.verify(&sign(serde_json::json!(["other"]))).is_err());
        // Without a configured audience any `aud` form is fine.
        let open = TokenKeys::new(secret, None, None);
        assert!(open.verify(&sign(serde_json::json!(["a", "b"]))).is_ok());
    }

    #[test]
    fn expired_beyond_leeway_is_refused() {
        let keys = TokenKeys::new(b"s", None, None);
        let t = keys.issue("u1", None, -120);
        assert!(keys.verify(&t).is_err());
    }
}
