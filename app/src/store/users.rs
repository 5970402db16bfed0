//! Accounts: our own sign-ups (with an argon2 hash) and users provisioned from a trusted token.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{db_err, micros, on_pool, on_writer, Db, StoreError, StoreResult};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Db {
    /// Creates an account; a taken email is a `Conflict`.
    pub async fn create_user(
        &self,
        email: &str,
        name: Option<&str>,
        password_hash: &str,
    ) -> StoreResult<User> {
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            email: Some(email.to_string()),
            name: name.map(str::to_string),
            created_at: micros(Utc::now()),
        };
        on_writer!(self, p => {
            sqlx::query("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&user.id)
                .bind(&user.email)
                .bind(&user.name)
                .bind(password_hash)
                .bind(user.created_at)
                .execute(p)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => {
                        StoreError::Conflict(
                            "An account with this email already exists. Sign in instead?".into(),
                        )
                    }
                    e => db_err(e),
                })?;
        });
        Ok(user)
    }

    /// The user and password hash for an email, for sign-in.
    pub async fn user_by_email(&self, email: &str) -> StoreResult<Option<(User, Option<String>)>> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT id, email, name, password_hash, created_at FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(p)
                .await
                .map_err(db_err)?;
            match row {
                None => Ok(None),
                Some(r) => Ok(Some((
                    User {
                        id: r.try_get("id").map_err(db_err)?,
                        email: r.try_get("email").map_err(db_err)?,
                        name: r.try_get("name").map_err(db_err)?,
                        created_at: r.try_get("created_at").map_err(db_err)?,
                    },
                    r.try_get("password_hash").map_err(db_err)?,
                ))),
            }
        })
    }

    pub async fn user_by_id(&self, id: &str) -> StoreResult<Option<User>> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT id, email, name, created_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await
                .map_err(db_err)?;
            match row {
                None => Ok(None),
                Some(r) => Ok(Some(User {
                    id: r.try_get("id").map_err(db_err)?,
                    email: r.try_get("email").map_err(db_err)?,
                    name: r.try_get("name").map_err(db_err)?,
                    created_at: r.try_get("created_at").map_err(db_err)?,
                })),
            }
        })
    }

    /// Makes sure a user named by a verified token exists (tokens from another auth service).
    /// An email already held by another account is not taken over: the new user gets none.
    pub async fn ensure_user(
        &self,
        id: &str,
        email: Option<&str>,
        name: Option<&str>,
    ) -> StoreResult<User> {
        if let Some(u) = self.user_by_id(id).await? {
            return Ok(u);
        }
        let email = match email {
            Some(e) if self.user_by_email(e).await?.is_none() => Some(e),
            _ => None,
        };
        on_writer!(self, p => {
            sqlx::query(
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, NULL, $4)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(email)
            .bind(name)
            .bind(micros(Utc::now()))
            .execute(p)
            .await
            .map_err(db_err)?;
        });
        self.user_by_id(id)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }
}
