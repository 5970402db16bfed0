//! The one database handle: SQLite by default, PostgreSQL when the URL says so. Each query is
//! written once (placeholders `$n` work on both) and run on whichever pool is open: reads with
//! `on_pool!`, writes with `on_writer!` (on SQLite, one connection that writers queue for).

mod error;
mod limits;
mod runs;
mod sessions;
mod tasks;
mod threads;
mod users;

pub(crate) use error::db_err;
pub use error::{StoreError, StoreResult};
pub use users::User;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

#[derive(Clone, Debug)]
pub enum Pool {
    /// SQLite has one writer at a time. Writers that share the readers' connections wait for
    /// the lock in SQLite's busy handler, which sleeps 1 to 100 ms a try (under 32 concurrent
    /// turns most of a turn's time was spent asleep there: docs/benchmarks.md). With one
    /// write connection they queue for it in order instead, and never sleep.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// Runs a read on either database; `$p` is bound to the concrete pool.
macro_rules! on_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match &$db.pool {
            $crate::store::Pool::Sqlite { read: $p, .. } => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs a write (or a transaction that writes) on either database; `$p` is bound to the pool.
macro_rules! on_writer {
    ($db:expr, $p:ident => $body:expr) => {
        match &$db.pool {
            $crate::store::Pool::Sqlite { write: $p, .. } => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_writer;

#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: Pool,
    /// The id of each user whose tasks just changed: on SQLite from this process, on
    /// PostgreSQL from every instance sharing the database (relayed by `LISTEN`).
    task_changes: tokio::sync::broadcast::Sender<String>,
    /// What instances announce about their turns (PostgreSQL only; see `runs.rs`).
    run_signals: tokio::sync::broadcast::Sender<crate::chatkit::runs::board::RunSignal>,
}

/// The PostgreSQL channel that carries task changes between instances (payload: a user id).
const TASKS_CHANNEL: &str = "todokit_tasks";

impl Db {
    fn new(pool: Pool) -> Db {
        Db {
            pool,
            task_changes: tokio::sync::broadcast::channel(256).0,
            run_signals: tokio::sync::broadcast::channel(1024).0,
        }
    }

    /// Hears the id of every user whose tasks change from now on, by any path (pages, chat,
    /// MCP), through this process or, on PostgreSQL, any instance.
    pub fn task_changes(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.task_changes.subscribe()
    }

    pub(crate) async fn tasks_changed(&self, user_id: &str) {
        match &self.pool {
            // No listener is fine: nobody has a tasks page open.
            Pool::Sqlite { .. } => drop(self.task_changes.send(user_id.to_string())),
            // Every instance, this one included, hears it back through its listener.
            Pool::Postgres(p) => {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(TASKS_CHANNEL)
                    .bind(user_id)
                    .execute(p)
                    .await;
                if let Err(e) = sent {
                    // The write itself succeeded; open pages catch up on their next refetch.
                    tracing::warn!("task change not announced: {e}");
                }
            }
        }
    }

    /// Relays `NOTIFY` from every instance into `task_changes` and `run_signals`,
    /// reconnecting after a lost connection.
    async fn relay_notifications(&self, pool: &PgPool) -> Result<(), StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(db_err)?;
        listener
            .listen_all([TASKS_CHANNEL, runs::RUNS_CHANNEL])
            .await
            .map_err(db_err)?;
        let tx = self.task_changes.clone();
        let runs = self.run_signals.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) if n.channel() == runs::RUNS_CHANNEL => {
                        if let Some(signal) = runs::parse_signal(n.payload()) {
                            drop(runs.send(signal));
                        }
                    }
                    Ok(n) => drop(tx.send(n.payload().to_string())),
                    Err(e) => {
                        tracing::warn!("task change relay: {e}; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }

    /// Opens (creating a SQLite file if needed) and migrates.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                // A database that is down answers 503 within seconds, not after a long wait.
                .acquire_timeout(Duration::from_secs(3))
                .connect(url)
                .await
                .map_err(db_err)?;
            let db = Db::new(Pool::Postgres(pool.clone()));
            db.relay_notifications(&pool).await?;
            db
        } else {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(db_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the
                // process (kill -9) loses nothing committed; a power cut or OS crash may lose
                // the last commits, never the database's integrity.
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await
                .map_err(db_err)?;
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(db_err)?;
            Db::new(Pool::Sqlite { read, write })
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite { write, .. } => sqlx::migrate!("../migrations/sqlite").run(write).await,
            Pool::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await,
        }
        .map_err(db_err)
    }

    /// "sqlite" or "postgres", for the health report.
    pub fn kind(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite { .. } => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()).map_err(db_err))
    }
}

/// Timestamps are stored with microsecond precision, the protocol's resolution.
pub(crate) fn micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}
