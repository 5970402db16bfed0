//! The error type of server functions: messages are meant for the person using the page.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(String),
    #[error("Please sign in.")]
    Unauthorized,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// A per-user or per-address limit: the message says how long to wait.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    #[error("Something went wrong: {0}")]
    Server(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Server(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::Invalid(m),
            StoreError::Database(m) | StoreError::Unavailable(m) => {
                tracing::error!("database error: {m}");
                AppError::Server("the database is unavailable".into())
            }
        }
    }
}
