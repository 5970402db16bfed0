//! Sign-in sessions: one row per signed-in browser, named by the session cookie's `sid`, so
//! signing out (here, or everywhere) ends it on the server and not only in that browser.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{db_err, micros, on_pool, on_writer, Db, StoreResult, User};

impl Db {
    /// Opens a session for `user_id` lasting `ttl_secs`; returns its id (128 random bits).
    /// The user's expired sessions go at the same time, so the table does not grow.
    pub async fn create_session(&self, user_id: &str, ttl_secs: i64) -> StoreResult<String> {
        let id = format!("ses_{}", uuid::Uuid::new_v4().simple());
        let now = micros(Utc::now());
        let expires = now + chrono::Duration::seconds(ttl_secs.max(0));
        on_writer!(self, p => {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2")
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(
                "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at)
                 VALUES ($1, $2, $3, $4, NULL)",
            )
            .bind(&id)
            .bind(user_id)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
        });
        Ok(id)
    }

    /// The user of a live session (not revoked, not expired) held by `user_id`; `None` for
    /// anything else, so a token naming another user's session gets nothing.
    pub async fn session_user(&self, session_id: &str, user_id: &str) -> StoreResult<Option<User>> {
        on_pool!(self, p => {
            let row = sqlx::query(
                "SELECT u.id, u.email, u.name, u.created_at, s.expires_at, s.revoked_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id = $1 AND s.user_id = $2",
            )
            .bind(session_id)
            .bind(user_id)
            .fetch_optional(p)
            .await
            .map_err(db_err)?;
            let Some(r) = row else { return Ok(None) };
            let expires: DateTime<Utc> = r.try_get("expires_at").map_err(db_err)?;
            let revoked: Option<DateTime<Utc>> = r.try_get("revoked_at").map_err(db_err)?;
            if revoked.is_some() || expires <= Utc::now() {
                return Ok(None);
            }
            Ok(Some(User {
                id: r.try_get("id").map_err(db_err)?,
                email: r.try_get("email").map_err(db_err)?,
                name: r.try_get("name").map_err(db_err)?,
                created_at: r.try_get("created_at").map_err(db_err)?,
            }))
        })
    }

    /// Ends one session of `user_id` (sign-out). Ending an unknown or ended one is no error.
    pub async fn revoke_session(&self, user_id: &str, session_id: &str) -> StoreResult<()> {
        on_writer!(self, p => {
            sqlx::query(
                "UPDATE sessions SET revoked_at = $1
                 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            )
            .bind(micros(Utc::now()))
            .bind(session_id)
            .bind(user_id)
            .execute(p)
            .await
            .map_err(db_err)?;
        });
        Ok(())
    }

    /// Ends every session of `user_id` ("sign out everywhere"); returns how many were live.
    pub async fn revoke_all_sessions(&self, user_id: &str) -> StoreResult<u64> {
        on_writer!(self, p => {
            let done = sqlx::query(
                "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(micros(Utc::now()))
            .bind(user_id)
            .execute(p)
            .await
            .map_err(db_err)?;
            Ok(done.rows_affected())
        })
    }
}
