//! The storage interfaces the engine needs (the SDK's `Store` and `AttachmentStore`), scoped by
//! user on every call, plus the one id generator.

use async_trait::async_trait;

use super::error::ChatKitError;
use super::types::{
    Attachment, CreateAttachmentParams, FeedbackKind, Order, Page, ThreadItem, ThreadMetadata,
};

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

/// `<prefix>_<8 hex>` like the SDK; prefixes: thr, msg, tc, wf, tsk, atc, shcx.
pub fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &hex[..8])
}

/// Which id prefix an item kind gets.
pub fn item_prefix(item: &super::types::ItemKind) -> &'static str {
    use super::types::ItemKind::*;
    match item {
        ClientToolCall { .. } => "tc",
        Workflow { .. } => "wf",
        Task { .. } => "tsk",
        SdkHiddenContext { .. } => "shcx",
        _ => "msg",
    }
}

#[async_trait]
pub trait ThreadStore: Send + Sync {
    async fn load_thread(&self, user_id: &str, thread_id: &str) -> StoreResult<ThreadMetadata>;
    /// Insert or update the thread's title, status and metadata.
    async fn save_thread(&self, user_id: &str, thread: &ThreadMetadata) -> StoreResult<()>;
    async fn load_threads(
        &self,
        user_id: &str,
        limit: usize,
        after: Option<&str>,
        order: Order,
    ) -> StoreResult<Page<ThreadMetadata>>;
    async fn delete_thread(&self, user_id: &str, thread_id: &str) -> StoreResult<()>;

    async fn load_thread_items(
        &self,
        user_id: &str,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: Order,
    ) -> StoreResult<Page<ThreadItem>>;
    /// Insert; an item is added once, when it is done.
    async fn add_thread_item(&self, user_id: &str, item: &ThreadItem) -> StoreResult<()>;
    /// Upsert; used for replaced items and tool outputs.
    async fn save_item(&self, user_id: &str, item: &ThreadItem) -> StoreResult<()>;
    async fn load_item(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> StoreResult<ThreadItem>;
    async fn delete_thread_item(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> StoreResult<()>;

    async fn save_attachment(&self, user_id: &str, attachment: &Attachment) -> StoreResult<()>;
    async fn load_attachment(&self, user_id: &str, attachment_id: &str) -> StoreResult<Attachment>;
    async fn delete_attachment(&self, user_id: &str, attachment_id: &str) -> StoreResult<()>;

    async fn add_feedback(
        &self,
        user_id: &str,
        thread_id: &str,
        item_ids: &[String],
        kind: FeedbackKind,
    ) -> StoreResult<()>;
}

/// Where attachment bytes live (the SDK's `AttachmentStore`); their metadata stays in the
/// `ThreadStore`. The engine calls `create_attachment` then `ThreadStore::save_attachment`, and
/// `delete_attachment` then `ThreadStore::delete_attachment`, in the SDK's order.
#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Checks the request (name, size, type) and returns the new attachment with its upload
    /// descriptor. `origin` (`https://host`) makes its URLs absolute, as the SDK's `AnyUrl`.
    async fn create_attachment(
        &self,
        user_id: &str,
        params: &CreateAttachmentParams,
        origin: Option<&str>,
    ) -> Result<Attachment, ChatKitError>;
    /// Removes the bytes, if any were uploaded.
    async fn delete_attachment(
        &self,
        user_id: &str,
        attachment_id: &str,
    ) -> Result<(), ChatKitError>;
}
