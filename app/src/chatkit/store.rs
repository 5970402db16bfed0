//! The storage interfaces the engine needs (the SDK's `Store` and `AttachmentStore`), scoped by
//! user on every call and failing with the protocol's own error, plus the one id generator.

use async_trait::async_trait;

use super::error::ChatKitError;
use super::types::{
    Attachment, CreateAttachmentParams, FeedbackKind, Order, Page, ThreadItem, ThreadMetadata,
};

/// `<prefix>_<32 hex>`: 128 random bits, so nobody hits (or guesses) another user's id. The
/// SDK's prefixes (thr, msg, tc, wf, tsk, atc, shcx); it keeps only 8 hex characters.
pub fn new_id(prefix: &str) -> String {
    // A v4 UUID has 122 random bits; XOR two, one rotated so that no fixed (version or
    // variant) bit of one lines up with a fixed bit of the other: every bit is random.
    let (a, b) = (
        uuid::Uuid::new_v4().as_u128(),
        uuid::Uuid::new_v4().as_u128(),
    );
    format!("{prefix}_{:032x}", a ^ b.rotate_left(7))
}

/// A new, untitled, active thread: the one way a thread comes into being.
pub fn new_thread() -> ThreadMetadata {
    ThreadMetadata {
        title: None,
        id: new_id("thr"),
        created_at: chrono::Utc::now(),
        status: super::types::ThreadStatus::Active,
        allowed_image_domains: None,
        metadata: Default::default(),
    }
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

/// The engine's view of threads, items and attachment records. A missing or foreign thread,
/// item or attachment is `ChatKitError::not_found`; the implementation maps its own failures.
#[async_trait]
pub trait ThreadStore: Send + Sync {
    async fn load_thread(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> Result<ThreadMetadata, ChatKitError>;
    /// Inserts a new thread with its first item, if any, and that item's attachments (now on
    /// the thread): all of it or nothing.
    async fn create_thread(
        &self,
        user_id: &str,
        thread: &ThreadMetadata,
        first_item: Option<&ThreadItem>,
    ) -> Result<(), ChatKitError>;
    /// Updates the thread's title, status and metadata. Never inserts: a thread deleted
    /// meanwhile is `not_found` and stays deleted.
    async fn save_thread(&self, user_id: &str, thread: &ThreadMetadata)
        -> Result<(), ChatKitError>;
    async fn load_threads(
        &self,
        user_id: &str,
        limit: usize,
        after: Option<&str>,
        order: Order,
    ) -> Result<Page<ThreadMetadata>, ChatKitError>;
    async fn delete_thread(&self, user_id: &str, thread_id: &str) -> Result<(), ChatKitError>;

    async fn load_thread_items(
        &self,
        user_id: &str,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: Order,
    ) -> Result<Page<ThreadItem>, ChatKitError>;
    /// Insert; an item is added once, when it is done.
    async fn add_thread_item(&self, user_id: &str, item: &ThreadItem) -> Result<(), ChatKitError>;
    /// Upsert; used for replaced items and tool outputs.
    async fn save_item(&self, user_id: &str, item: &ThreadItem) -> Result<(), ChatKitError>;
    async fn load_item(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> Result<ThreadItem, ChatKitError>;
    async fn delete_thread_item(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> Result<(), ChatKitError>;

    /// Deletes every item after `item_id` (in page order) at once; the item itself stays.
    async fn delete_items_after(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> Result<(), ChatKitError>;

    async fn save_attachment(
        &self,
        user_id: &str,
        attachment: &Attachment,
    ) -> Result<(), ChatKitError>;
    async fn load_attachment(
        &self,
        user_id: &str,
        attachment_id: &str,
    ) -> Result<Attachment, ChatKitError>;
    async fn delete_attachment(
        &self,
        user_id: &str,
        attachment_id: &str,
    ) -> Result<(), ChatKitError>;

    async fn add_feedback(
        &self,
        user_id: &str,
        thread_id: &str,
        item_ids: &[String],
        kind: FeedbackKind,
    ) -> Result<(), ChatKitError>;
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
