//! The one error of the `Db` layer (users, tasks, threads): what went wrong in storage terms.
//! Callers map it into their own error at their edge (pages, tools, the ChatKit protocol).

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// Input the store refuses (too long, empty title…), in words a user can read.
    #[error("{0}")]
    Invalid(String),
    /// The database cannot be reached right now (down, restarting, pool exhausted): worth a
    /// retry, so the protocol answers 503 rather than 500.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub(crate) fn db_err<E: std::fmt::Display + 'static>(e: E) -> StoreError {
    let unreachable = (&e as &dyn std::any::Any)
        .downcast_ref::<sqlx::Error>()
        .is_some_and(is_unreachable);
    match unreachable {
        true => StoreError::Unavailable(e.to_string()),
        false => StoreError::Database(e.to_string()),
    }
}

/// Errors that say "not now" rather than "never": no connection, or the server going away
/// (PostgreSQL's class 08 connection exceptions and 57P0x shutdowns).
fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}
