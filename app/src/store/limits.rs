//! The limiter's shared state on PostgreSQL (`rate_limit.rs`): GCRA per bucket and key in one
//! statement each, so every instance counts against the same allowance. Times are µs since
//! the Unix epoch on the calling instance's clock.

use super::{db_err, Db, Pool, StoreResult};

impl Db {
    /// Whether allowances are kept here for every instance (PostgreSQL) rather than per
    /// process (SQLite: one process).
    pub fn shares_limits(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Counts one use at `now` if the key's arrival time allows it; else the µs to wait.
    pub async fn gcra_admit(
        &self,
        bucket: &str,
        key: &str,
        now: i64,
        interval: i64,
        tolerance: i64,
    ) -> StoreResult<Option<i64>> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(None);
        };
        let admitted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO rate_limits AS r (bucket, key, tat_us) VALUES ($1, $2, $3 + $4) \
             ON CONFLICT (bucket, key) DO UPDATE SET tat_us = GREATEST(r.tat_us, $3) + $4 \
             WHERE GREATEST(r.tat_us, $3) - $5 <= $3 RETURNING tat_us",
        )
        .bind(bucket)
        .bind(key)
        .bind(now)
        .bind(interval)
        .bind(tolerance)
        .fetch_optional(p)
        .await
        .map_err(db_err)?;
        if admitted.is_some() {
            return Ok(None);
        }
        let tat: Option<i64> =
            sqlx::query_scalar("SELECT tat_us FROM rate_limits WHERE bucket = $1 AND key = $2")
                .bind(bucket)
                .bind(key)
                .fetch_optional(p)
                .await
                .map_err(db_err)?;
        Ok(Some(tat.map_or(0, |t| t - tolerance - now).max(1)))
    }

    /// Gives one use back; a key back at its full allowance is forgotten.
    pub async fn gcra_refund(
        &self,
        bucket: &str,
        key: &str,
        now: i64,
        interval: i64,
    ) -> StoreResult<()> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(());
        };
        // A key whose allowance this refund makes whole goes; any other gets the unit back.
        let gone = sqlx::query(
            "DELETE FROM rate_limits WHERE bucket = $1 AND key = $2 AND tat_us - $3 <= $4",
        )
        .bind(bucket)
        .bind(key)
        .bind(interval)
        .bind(now)
        .execute(p)
        .await
        .map_err(db_err)?;
        if gone.rows_affected() == 0 {
            sqlx::query(
                "UPDATE rate_limits SET tat_us = tat_us - $3 WHERE bucket = $1 AND key = $2",
            )
            .bind(bucket)
            .bind(key)
            .bind(interval)
            .execute(p)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }

    /// Forgets every key whose allowance is whole again at `now`.
    pub async fn gcra_prune(&self, now: i64) -> StoreResult<u64> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(0);
        };
        let gone = sqlx::query("DELETE FROM rate_limits WHERE tat_us <= $1")
            .bind(now)
            .execute(p)
            .await
            .map_err(db_err)?;
        Ok(gone.rows_affected())
    }
}
