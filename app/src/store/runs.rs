//! The run board on PostgreSQL (`chatkit::runs::board`): instances sharing the database claim
//! threads in `chat_runs`, mirror frames to `chat_run_frames`, and signal each other on the
//! `todokit_runs` channel (`f:`, `e:`, `s:` and `w:` + run id: frames, ended, stop, frames
//! wanted).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Connection;
use tokio::sync::{broadcast, Mutex};

use super::{db_err, Db, Pool};
use crate::chatkit::runs::board::{RunBoard, RunOutcome, RunSignal, RunStatus};
use crate::chatkit::ChatKitError;

/// The channel of run signals between instances.
pub(super) const RUNS_CHANNEL: &str = "todokit_runs";

/// A `todokit_runs` payload as a signal (`None`: not one of ours).
pub(super) fn parse_signal(payload: &str) -> Option<RunSignal> {
    let (kind, run) = payload.split_once(':')?;
    let run = run.to_string();
    match kind {
        "f" => Some(RunSignal::Frames(run)),
        "e" => Some(RunSignal::Ended(run)),
        "s" => Some(RunSignal::Stop(run)),
        "w" => Some(RunSignal::Want(run)),
        _ => None,
    }
}

/// This instance on the board: its id, its lease, and the connection whose backend stands for
/// it (when the process dies the connection closes, and the others see the backend gone).
pub struct PgRunBoard {
    pool: PgPool,
    signals: broadcast::Sender<RunSignal>,
    instance: String,
    lease: Duration,
    presence: Mutex<Option<PgConnection>>,
    registered: tokio::sync::OnceCell<()>,
}

impl Db {
    /// The run board of a new instance with `lease`, on PostgreSQL; `None` on SQLite (one
    /// process: its registry is the whole truth).
    pub fn run_board(&self, lease: Duration) -> Option<Arc<dyn RunBoard>> {
        let Pool::Postgres(pool) = &self.pool else {
            return None;
        };
        Some(Arc::new(PgRunBoard {
            pool: pool.clone(),
            signals: self.run_signals.clone(),
            instance: crate::chatkit::store::new_id("inst"),
            lease,
            presence: Mutex::new(None),
            registered: tokio::sync::OnceCell::new(),
        }))
    }
}

/// A database error as the protocol answers it (503 when the database is unreachable).
fn pg(e: sqlx::Error) -> ChatKitError {
    ChatKitError::from(db_err(e))
}

/// The instances the board counts as alive: a heartbeat within their lease, and the backend
/// of their presence connection still there (its start hidden from another role counts as
/// there; the lease decides then).
const LIVE_INSTANCE: &str = "SELECT i.id FROM chat_instances i \
     WHERE i.heartbeat_at >= now() - i.lease_ms * interval '1 millisecond' \
     AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = i.backend_pid \
                 AND (a.backend_start IS NULL OR a.backend_start = i.backend_start))";

impl PgRunBoard {
    async fn notify(&self, kind: char, run_id: &str) -> Result<(), ChatKitError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(RUNS_CHANNEL)
            .bind(format!("{kind}:{run_id}"))
            .execute(&self.pool)
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn insert_run(
        &self,
        run_id: &str,
        user_id: &str,
        thread_id: &str,
    ) -> Result<bool, ChatKitError> {
        let inserted = sqlx::query(
            "INSERT INTO chat_runs (run_id, thread_id, user_id, instance_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(run_id)
        .bind(thread_id)
        .bind(user_id)
        .bind(&self.instance)
        .execute(&self.pool)
        .await
        .map_err(pg)?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Announces the end of each of `ids` (just ended); returns how many.
    async fn announce_ended(&self, ids: Vec<String>) -> Result<usize, ChatKitError> {
        for id in &ids {
            self.notify('e', id).await?;
        }
        Ok(ids.len())
    }
}

#[async_trait]
impl RunBoard for PgRunBoard {
    async fn claim(
        &self,
        run_id: &str,
        user_id: &str,
        thread_id: &str,
    ) -> Result<bool, ChatKitError> {
        // Others judge our runs by our registration, so it comes first.
        self.registered.get_or_try_init(|| self.heartbeat()).await?;
        if self.insert_run(run_id, user_id, thread_id).await? {
            return Ok(true);
        }
        // Held. By a run of ours: the caller holds the thread here, so that run is over and
        // only its end is still on its way to the board. By a dead instance's: interrupted.
        let stale: Vec<String> = sqlx::query_scalar(
            "UPDATE chat_runs SET ended_at = now(), outcome = 'failed' \
             WHERE thread_id = $1 AND ended_at IS NULL AND instance_id = $2 RETURNING run_id",
        )
        .bind(thread_id)
        .bind(&self.instance)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)?;
        let freed = self.announce_ended(stale).await? + self.interrupt_dead().await?;
        Ok(freed > 0 && self.insert_run(run_id, user_id, thread_id).await?)
    }

    async fn append(
        &self,
        run_id: &str,
        first_seq: i32,
        frames: &[Vec<u8>],
    ) -> Result<(), ChatKitError> {
        let seqs: Vec<i32> = (first_seq..).take(frames.len()).collect();
        // The frames and their announcement in one round trip (a `NOTIFY` is sent at commit).
        sqlx::query(
            "WITH added AS (INSERT INTO chat_run_frames (run_id, seq, frame) \
                 SELECT $1, s, f FROM UNNEST($2::int4[], $3::bytea[]) AS t(s, f)) \
             SELECT pg_notify($4, 'f:' || $1)",
        )
        .bind(run_id)
        .bind(&seqs)
        .bind(frames)
        .bind(RUNS_CHANNEL)
        .execute(&self.pool)
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn finish(&self, run_id: &str, outcome: RunOutcome) -> Result<(), ChatKitError> {
        sqlx::query(
            "WITH ended AS (UPDATE chat_runs SET ended_at = now(), outcome = $2 \
                 WHERE run_id = $1 AND ended_at IS NULL) \
             SELECT pg_notify($3, 'e:' || $1)",
        )
        .bind(run_id)
        .bind(outcome.as_str())
        .bind(RUNS_CHANNEL)
        .execute(&self.pool)
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn live_run(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> Result<Option<String>, ChatKitError> {
        sqlx::query_scalar(
            "SELECT run_id FROM chat_runs \
             WHERE thread_id = $1 AND user_id = $2 AND ended_at IS NULL",
        )
        .bind(thread_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(pg)
    }

    async fn status(&self, run_id: &str) -> Result<Option<RunStatus>, ChatKitError> {
        let row: Option<(Option<String>, bool)> =
            sqlx::query_as("SELECT outcome, ended_at IS NOT NULL FROM chat_runs WHERE run_id = $1")
                .bind(run_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(pg)?;
        Ok(row.map(|(outcome, ended)| match ended {
            true => RunStatus::Ended(RunOutcome::parse(outcome.as_deref().unwrap_or(""))),
            false => RunStatus::Running,
        }))
    }

    async fn frames_after(
        &self,
        run_id: &str,
        after: i32,
        limit: i64,
    ) -> Result<Vec<(i32, Vec<u8>)>, ChatKitError> {
        sqlx::query_as(
            "SELECT seq, frame FROM chat_run_frames WHERE run_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3",
        )
        .bind(run_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)
    }

    async fn request_stop(&self, run_id: &str) -> Result<(), ChatKitError> {
        self.notify('s', run_id).await
    }

    async fn request_frames(&self, run_id: &str) -> Result<(), ChatKitError> {
        self.notify('w', run_id).await
    }

    async fn heartbeat(&self) -> Result<(), ChatKitError> {
        let mut presence = self.presence.lock().await;
        if presence.is_none() {
            let conn = PgConnection::connect_with(&self.pool.connect_options())
                .await
                .map_err(pg)?;
            *presence = Some(conn);
        }
        let conn = presence.as_mut().expect("just connected");
        // Run on the presence connection, so the backend named is the one we hold.
        let beat = sqlx::query(
            "INSERT INTO chat_instances (id, backend_pid, backend_start, lease_ms, heartbeat_at) \
             SELECT $1, pg_backend_pid(), \
                    (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()), \
                    $2, now() \
             ON CONFLICT (id) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, \
                 backend_start = EXCLUDED.backend_start, heartbeat_at = EXCLUDED.heartbeat_at",
        )
        .bind(&self.instance)
        .bind(self.lease.as_millis() as i64)
        .execute(&mut *conn)
        .await;
        if let Err(e) = beat {
            // A new connection next time (the database restarted, say).
            *presence = None;
            return Err(pg(e));
        }
        Ok(())
    }

    async fn interrupt_dead(&self) -> Result<usize, ChatKitError> {
        let dead: Vec<String> = sqlx::query_scalar(&format!(
            "UPDATE chat_runs SET ended_at = now(), outcome = 'interrupted' \
             WHERE ended_at IS NULL AND instance_id NOT IN ({LIVE_INSTANCE}) RETURNING run_id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(pg)?;
        if !dead.is_empty() {
            tracing::warn!(runs = ?dead, "turns of a dead instance marked interrupted");
        }
        self.announce_ended(dead).await
    }

    async fn reconcile(&self, here: &[String]) -> Result<Vec<String>, ChatKitError> {
        // A run claimed here is in `here` from before its claim until after its end is
        // posted, so a live one of ours missing from it is over; unless it was claimed after
        // `here` was taken, hence the margin.
        let orphans: Vec<String> = sqlx::query_scalar(
            "UPDATE chat_runs SET ended_at = now(), outcome = 'failed' \
             WHERE instance_id = $1 AND ended_at IS NULL AND NOT (run_id = ANY($2)) \
             AND started_at < now() - interval '10 seconds' RETURNING run_id",
        )
        .bind(&self.instance)
        .bind(here)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)?;
        self.announce_ended(orphans).await?;
        if here.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(
            "SELECT run_id FROM chat_runs WHERE run_id = ANY($1) AND ended_at IS NOT NULL",
        )
        .bind(here)
        .fetch_all(&self.pool)
        .await
        .map_err(pg)
    }

    async fn prune(&self, age: Duration) -> Result<u64, ChatKitError> {
        let ms = age.as_millis() as i64;
        let runs = sqlx::query(
            "DELETE FROM chat_runs WHERE ended_at < now() - $1 * interval '1 millisecond'",
        )
        .bind(ms)
        .execute(&self.pool)
        .await
        .map_err(pg)?;
        // Instances silent for that long have no live runs left to judge by.
        sqlx::query(
            "DELETE FROM chat_instances WHERE heartbeat_at < now() - $1 * interval '1 millisecond' \
             AND NOT EXISTS (SELECT 1 FROM chat_runs r WHERE r.instance_id = chat_instances.id \
                             AND r.ended_at IS NULL)",
        )
        .bind(ms)
        .execute(&self.pool)
        .await
        .map_err(pg)?;
        Ok(runs.rows_affected())
    }

    fn signals(&self) -> broadcast::Receiver<RunSignal> {
        self.signals.subscribe()
    }

    fn lease(&self) -> Duration {
        self.lease
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_read_back_from_their_payloads() {
        assert_eq!(
            parse_signal("f:run_1"),
            Some(RunSignal::Frames("run_1".into()))
        );
        assert_eq!(
            parse_signal("e:run_1"),
            Some(RunSignal::Ended("run_1".into()))
        );
        assert_eq!(
            parse_signal("s:run_1"),
            Some(RunSignal::Stop("run_1".into()))
        );
        assert_eq!(parse_signal("x:run_1"), None);
        assert_eq!(parse_signal("nothing"), None);
    }
}
