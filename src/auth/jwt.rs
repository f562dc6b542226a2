//! Access tokens: HS256 JWTs with issuer, audience, expiry and not-before enforced.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::domain::access::Role;

pub const ISSUER: &str = "ose-api";
pub const AUDIENCE: &str = "ose-api";
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSubject {
    User,
    ApiClient,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    /// Whether `sub` names a user or an API client.
    pub sub_type: TokenSubject,
    pub role: Role,
    /// The user's token generation when issued; bumping it revokes older tokens.
    pub generation: i32,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
        }
    }

    /// Issues a token for a subject; returns it with its expiry.
    pub fn issue(
        &self,
        now: DateTime<Utc>,
        subject: TokenSubject,
        sub: &str,
        role: Role,
        generation: i32,
    ) -> Result<(String, i64), jsonwebtoken::errors::Error> {
        let issued_at = now.timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: issued_at + self.ttl_seconds,
            nbf: issued_at,
            iat: issued_at,
            jti: uuid::Uuid::now_v7().to_string(),
            sub_type: subject,
            role,
            generation,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims.exp))
    }

    /// Checks signature, algorithm and registered claims; says briefly what failed.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidSignature => "the token signature is invalid",
                    ErrorKind::InvalidAlgorithm => "the token algorithm is not accepted",
                    ErrorKind::InvalidIssuer => "the token issuer is not accepted",
                    ErrorKind::InvalidAudience => "the token audience is not accepted",
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is malformed",
                }
                .to_owned()
            })
    }
}
