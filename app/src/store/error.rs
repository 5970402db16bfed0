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
    #[error("database error: {0}")]
    Database(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub(crate) fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(e.to_string())
}
