//! The ChatKit protocol: wire types (shared with the browser), and on the server the engine,
//! its error type and the storage trait. Nothing here knows about tasks.

pub mod types;
pub mod widgets;

#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod runs;
#[cfg(feature = "ssr")]
pub mod scripted;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
mod stream;

/// What a `Responder` implementation is written with, re-exported so an implementer needs no
/// dependency of its own.
#[cfg(feature = "ssr")]
pub use async_trait::async_trait;
#[cfg(feature = "ssr")]
pub use error::ChatKitError;
#[cfg(feature = "ssr")]
pub use server::{ChatKitServer, ProcessResult, RespondContext, Responder, ThreadStream};
#[cfg(feature = "ssr")]
pub use store::{AttachmentStore, ThreadStore};
