//! The protocol engine (the SDK's `ChatKitServer.process`): the `Responder` the app implements,
//! and the router that validates each request before any byte is sent, then answers it with
//! JSON or starts a turn (see `runs` and `stream`).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::error::ChatKitError;
use super::runs::board::RunBoard;
use super::runs::{Runs, Slot};
use super::store::{new_id, new_thread, AttachmentStore, ThreadStore};
use super::stream::{Preamble, Work};
use super::types::*;

// What a `Responder` writes to, reachable beside the trait.
pub use super::stream::{sse_frame, MessageWriter, ThreadStream, CANCELLED_CONTEXT};

/// Who is asking, and the shared store; handed to every hook.
#[derive(Clone)]
pub struct RespondContext {
    pub user_id: String,
    pub store: Arc<dyn ThreadStore>,
    /// The browser's `Accept-Language`, first tag only.
    pub locale: Option<String>,
    /// The public origin the request came to (`https://host`), for absolute URLs.
    pub origin: Option<String>,
}

/// The application side of the protocol: what to answer. Only `respond` is required.
#[async_trait]
pub trait Responder: Send + Sync + 'static {
    /// Streams the answer to `input` (None after a tool output or structured input).
    async fn respond(
        &self,
        stream: &mut ThreadStream,
        input: Option<ThreadItem>,
    ) -> Result<(), ChatKitError>;

    async fn action(
        &self,
        _stream: &mut ThreadStream,
        action: Action,
        _sender: Option<ThreadItem>,
    ) -> Result<(), ChatKitError> {
        Err(ChatKitError::not_implemented(format!(
            "action '{}' is not supported",
            action.kind
        )))
    }

    /// A non-streaming action; the returned item replaces the sender and is saved.
    async fn sync_action(
        &self,
        _ctx: &RespondContext,
        _thread: &ThreadMetadata,
        action: Action,
        _sender: Option<ThreadItem>,
    ) -> Result<Option<ThreadItem>, ChatKitError> {
        Err(ChatKitError::not_implemented(format!(
            "action '{}' is not supported",
            action.kind
        )))
    }

    async fn transcribe(
        &self,
        _ctx: &RespondContext,
        _audio: Vec<u8>,
        _mime_type: &str,
    ) -> Result<String, ChatKitError> {
        Err(ChatKitError::not_implemented(
            "speech input is not configured on this server",
        ))
    }

    fn allow_cancel(&self) -> bool {
        true
    }
}

/// Limits the engine enforces before a turn starts.
#[derive(Clone, Debug)]
pub struct EngineLimits {
    /// Counts the text, the quoted text and the tags (with their data) of a message.
    pub max_message_chars: usize,
    /// Distinct attachments on one message (the official client allows 10).
    pub max_attachments: usize,
    pub max_title_chars: usize,
    pub max_page: usize,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            max_message_chars: 16_000,
            max_attachments: 10,
            max_title_chars: 200,
            max_page: 100,
        }
    }
}

pub enum ProcessResult {
    /// `application/json`
    Json(Vec<u8>),
    /// `text/event-stream`: each chunk is one complete `data: …\n\n` frame.
    Stream(mpsc::UnboundedReceiver<Vec<u8>>),
}

#[derive(Clone)]
pub struct ChatKitServer {
    store: Arc<dyn ThreadStore>,
    /// Attachment bytes; without one, `attachments.*` answer 501 (the SDK raises).
    attachments: Option<Arc<dyn AttachmentStore>>,
    responder: Arc<dyn Responder>,
    limits: EngineLimits,
    runs: Runs,
}

type Answer = Result<ProcessResult, ChatKitError>;

impl ChatKitServer {
    pub fn new(store: Arc<dyn ThreadStore>, responder: Arc<dyn Responder>) -> Self {
        ChatKitServer {
            store,
            attachments: None,
            responder,
            limits: EngineLimits::default(),
            runs: Runs::default(),
        }
    }

    pub fn with_limits(mut self, limits: EngineLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn with_attachments(mut self, attachments: Arc<dyn AttachmentStore>) -> Self {
        self.attachments = Some(attachments);
        self
    }

    /// Shares turns with the other instances on `board`: one turn per thread across them,
    /// stop and resume from any of them (call within a Tokio runtime).
    pub fn with_run_board(mut self, board: Arc<dyn RunBoard>) -> Self {
        self.runs = Runs::with_board(board);
        self
    }

    pub fn store(&self) -> &Arc<dyn ThreadStore> {
        &self.store
    }

    /// Handles one parsed request for `user_id`. Errors returned here happen before any
    /// response byte, so the HTTP layer can answer with their status.
    pub async fn process(
        &self,
        request: ChatKitRequest,
        user_id: &str,
        locale: Option<String>,
        origin: Option<String>,
    ) -> Answer {
        let ctx = RespondContext {
            user_id: user_id.to_string(),
            store: self.store.clone(),
            locale,
            origin,
        };
        use ChatKitRequest as R;
        match request {
            // Turns: answered with a stream.
            R::CreateThread(p) => self.create_thread(ctx, p).await,
            R::AddUserMessage(p) => self.add_user_message(ctx, p).await,
            R::AddClientToolOutput(p) => self.add_client_tool_output(ctx, p).await,
            R::AddStructuredInput(p) => self.add_structured_input(ctx, p).await,
            R::RetryAfterItem(p) => self.retry_after_item(ctx, p).await,
            R::CustomAction(p) => self.custom_action(ctx, p).await,
            // The run in flight.
            R::CancelRun(p) => self.cancel_run(&ctx, p).await,
            R::ResumeRun(p) => self.resume_run(&ctx, p).await,
            // Everything else: one JSON answer.
            R::SyncCustomAction(p) => self.sync_custom_action(&ctx, p).await,
            R::GetThread(p) => self.get_thread(&ctx, p).await,
            R::ListThreads(p) => self.list_threads(&ctx, p).await,
            R::UpdateThread(p) => self.update_thread(&ctx, p).await,
            R::DeleteThread(p) => self.delete_thread(&ctx, p).await,
            R::ListItems(p) => self.list_items(&ctx, p).await,
            R::Feedback(p) => self.feedback(&ctx, p).await,
            R::CreateAttachment(p) => self.create_attachment(&ctx, p).await,
            R::DeleteAttachment(p) => self.delete_attachment(&ctx, p).await,
            R::Transcribe(p) => self.transcribe(&ctx, p).await,
        }
    }

    /// Reserves the thread for one turn before a request changes anything on it: a turn
    /// already in flight there is 409. Dropped without `start`, the slot frees the thread.
    async fn claim(
        &self,
        ctx: &RespondContext,
        thread: &ThreadMetadata,
    ) -> Result<Slot, ChatKitError> {
        self.runs.claim(&ctx.user_id, &thread.id).await
    }

    /// Starts the claimed turn on `thread` (see `runs`); the answer is its stream.
    fn start(
        &self,
        slot: Slot,
        ctx: RespondContext,
        thread: ThreadMetadata,
        pre: Preamble,
        work: Work,
    ) -> Answer {
        let frames = self
            .runs
            .spawn(slot, ctx, thread, pre, work, self.responder.clone());
        Ok(ProcessResult::Stream(frames))
    }

    // ---- Turns

    async fn create_thread(&self, ctx: RespondContext, p: CreateThreadParams) -> Answer {
        let user_item = self.user_item(&ctx, "", p.input).await?;
        let thread = new_thread();
        let slot = self.claim(&ctx, &thread).await?;
        self.start(
            slot,
            ctx,
            thread,
            Preamble::Create(user_item),
            Work::Respond(None),
        )
    }

    async fn add_user_message(&self, ctx: RespondContext, p: AddUserMessageParams) -> Answer {
        let thread = self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let slot = self.claim(&ctx, &thread).await?;
        let item = self.user_item(&ctx, &thread.id, p.input).await?;
        let pre = Preamble::UserItem(item);
        self.start(slot, ctx, thread, pre, Work::Respond(None))
    }

    async fn add_client_tool_output(
        &self,
        ctx: RespondContext,
        p: AddClientToolOutputParams,
    ) -> Answer {
        let (store, uid) = (&self.store, ctx.user_id.as_str());
        let thread = store.load_thread(uid, &p.thread_id).await?;
        let slot = self.claim(&ctx, &thread).await?;
        let recent = store
            .load_thread_items(uid, &thread.id, None, 20, Order::Desc)
            .await?;
        let waiting = || ChatKitError::invalid("no client tool call is waiting for output");
        let mut last = recent.data.first().cloned().ok_or_else(waiting)?;
        match &mut last.kind {
            ItemKind::ClientToolCall { status, output, .. }
                if *status == ClientToolCallStatus::Pending =>
            {
                *status = ClientToolCallStatus::Completed;
                *output = Some(p.result);
            }
            _ => return Err(waiting()),
        }
        store.save_item(uid, &last).await?;
        for stale in recent.data.iter().skip(1) {
            if matches!(
                &stale.kind,
                ItemKind::ClientToolCall {
                    status: ClientToolCallStatus::Pending,
                    ..
                }
            ) {
                store.delete_thread_item(uid, &thread.id, &stale.id).await?;
            }
        }
        self.start(slot, ctx, thread, Preamble::None, Work::Respond(None))
    }

    async fn add_structured_input(
        &self,
        ctx: RespondContext,
        p: AddStructuredInputParams,
    ) -> Answer {
        let thread = self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let slot = self.claim(&ctx, &thread).await?;
        let mut item = self
            .store
            .load_item(&ctx.user_id, &thread.id, &p.item_id)
            .await?;
        apply_structured_answers(&mut item, &p.input)?;
        self.start(slot, ctx, thread, Preamble::None, Work::Answered(item))
    }

    async fn retry_after_item(&self, ctx: RespondContext, p: ThreadItemParams) -> Answer {
        let (store, uid) = (&self.store, ctx.user_id.as_str());
        let thread = store.load_thread(uid, &p.thread_id).await?;
        let slot = self.claim(&ctx, &thread).await?;
        let target = store.load_item(uid, &thread.id, &p.item_id).await?;
        if !matches!(target.kind, ItemKind::UserMessage { .. }) {
            return Err(ChatKitError::invalid("only a user message can be retried"));
        }
        // Everything after the target goes, at once and silently (as the SDK).
        store
            .delete_items_after(uid, &thread.id, &target.id)
            .await?;
        let work = Work::Respond(Some(target));
        self.start(slot, ctx, thread, Preamble::None, work)
    }

    async fn custom_action(&self, ctx: RespondContext, p: CustomActionParams) -> Answer {
        let thread = self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let sender = self.sender(&ctx, &thread, p.item_id.as_deref()).await?;
        if sender
            .as_ref()
            .is_some_and(|s| !matches!(s.kind, ItemKind::Widget { .. }))
        {
            // The SDK answers this with a bare error event and no stream options.
            let (tx, rx) = mpsc::unbounded_channel();
            let _ = tx.send(sse_frame(&ThreadStreamEvent::Error {
                code: "stream.error".into(),
                message: None,
                allow_retry: false,
            }));
            return Ok(ProcessResult::Stream(rx));
        }
        let slot = self.claim(&ctx, &thread).await?;
        let work = Work::Action(p.action, sender);
        self.start(slot, ctx, thread, Preamble::None, work)
    }

    // ---- The run in flight

    async fn cancel_run(&self, ctx: &RespondContext, p: ThreadIdParams) -> Answer {
        self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let cancelled = self.runs.cancel(&ctx.user_id, &p.thread_id).await;
        Ok(json_result(&json!({ "cancelled": cancelled })))
    }

    async fn resume_run(&self, ctx: &RespondContext, p: ThreadIdParams) -> Answer {
        self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let frames = self.runs.attach(&ctx.user_id, &p.thread_id).await;
        Ok(ProcessResult::Stream(frames))
    }

    // ---- JSON answers

    async fn sync_custom_action(&self, ctx: &RespondContext, p: CustomActionParams) -> Answer {
        let thread = self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let sender = self.sender(ctx, &thread, p.item_id.as_deref()).await?;
        if sender
            .as_ref()
            .is_some_and(|s| !matches!(s.kind, ItemKind::Widget { .. }))
        {
            return Err(ChatKitError::invalid("only a widget can send an action"));
        }
        let updated = self
            .responder
            .sync_action(ctx, &thread, p.action, sender)
            .await?;
        match updated {
            Some(item) => {
                self.store.save_item(&ctx.user_id, &item).await?;
                Ok(json_result(&json!({ "updated_item": item })))
            }
            None => Ok(json_result(&json!({}))),
        }
    }

    async fn get_thread(&self, ctx: &RespondContext, p: ThreadIdParams) -> Answer {
        let uid = ctx.user_id.as_str();
        let thread = self.store.load_thread(uid, &p.thread_id).await?;
        let items = self
            .visible_items(uid, &thread.id, None, 20, Order::Asc)
            .await?;
        Ok(json_result(&Thread::from_metadata(&thread, items)))
    }

    async fn list_threads(&self, ctx: &RespondContext, p: ListParams) -> Answer {
        let limit = self.page_size(p.limit)?;
        let page = self
            .store
            .load_threads(&ctx.user_id, limit, p.after.as_deref(), p.order)
            .await?;
        let out = Page {
            data: page
                .data
                .iter()
                .map(|t| Thread::from_metadata(t, Page::default()))
                .collect(),
            has_more: page.has_more,
            after: page.after,
        };
        Ok(json_result(&out))
    }

    async fn update_thread(&self, ctx: &RespondContext, p: UpdateThreadParams) -> Answer {
        let mut thread = self.store.load_thread(&ctx.user_id, &p.thread_id).await?;
        let title = p.title.trim();
        if title.chars().count() > self.limits.max_title_chars {
            return Err(ChatKitError::invalid(format!(
                "title is longer than {} characters",
                self.limits.max_title_chars
            )));
        }
        thread.title = Some(title.to_string());
        self.store.save_thread(&ctx.user_id, &thread).await?;
        Ok(json_result(&Thread::from_metadata(
            &thread,
            Page::default(),
        )))
    }

    async fn delete_thread(&self, ctx: &RespondContext, p: ThreadIdParams) -> Answer {
        let uid = ctx.user_id.as_str();
        self.store.load_thread(uid, &p.thread_id).await?;
        // Its turn stops first (and cannot re-create it: turns only update a thread).
        self.runs.cancel(uid, &p.thread_id).await;
        let attached = self.attachments_on(uid, &p.thread_id).await?;
        self.store.delete_thread(uid, &p.thread_id).await?;
        // The thread (and the attachments' metadata) is gone; the bytes follow.
        if let Some(bytes) = &self.attachments {
            for id in attached {
                if let Err(e) = bytes.delete_attachment(uid, &id).await {
                    tracing::warn!("attachment bytes of a deleted thread kept: {e}");
                }
            }
        }
        Ok(json_result(&json!({})))
    }

    async fn list_items(&self, ctx: &RespondContext, p: ListItemsParams) -> Answer {
        let uid = ctx.user_id.as_str();
        self.store.load_thread(uid, &p.thread_id).await?;
        let limit = self.page_size(p.limit)?;
        let page = self
            .visible_items(uid, &p.thread_id, p.after.as_deref(), limit, p.order)
            .await?;
        Ok(json_result(&page))
    }

    async fn feedback(&self, ctx: &RespondContext, p: FeedbackParams) -> Answer {
        let uid = ctx.user_id.as_str();
        self.store.load_thread(uid, &p.thread_id).await?;
        self.store
            .add_feedback(uid, &p.thread_id, &p.item_ids, p.kind)
            .await?;
        Ok(json_result(&json!({})))
    }

    async fn create_attachment(&self, ctx: &RespondContext, p: CreateAttachmentParams) -> Answer {
        let attachment = self
            .attachment_store()?
            .create_attachment(&ctx.user_id, &p, ctx.origin.as_deref())
            .await?;
        self.store
            .save_attachment(&ctx.user_id, &attachment)
            .await?;
        Ok(json_result(&attachment))
    }

    async fn delete_attachment(&self, ctx: &RespondContext, p: AttachmentIdParams) -> Answer {
        let (bytes, uid) = (self.attachment_store()?, ctx.user_id.as_str());
        // Only the owner's: another user's id is as unknown as a made-up one.
        self.store.load_attachment(uid, &p.attachment_id).await?;
        bytes.delete_attachment(uid, &p.attachment_id).await?;
        self.store.delete_attachment(uid, &p.attachment_id).await?;
        Ok(json_result(&json!({})))
    }

    async fn transcribe(&self, ctx: &RespondContext, p: TranscribeParams) -> Answer {
        let audio = p
            .audio()
            .ok_or_else(|| ChatKitError::invalid("audio_base64 is not valid base64"))?;
        let media = p
            .mime_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let text = self.responder.transcribe(ctx, audio, &media).await?;
        Ok(json_result(&json!({ "text": text })))
    }

    // ---- Shared checks

    fn attachment_store(&self) -> Result<&Arc<dyn AttachmentStore>, ChatKitError> {
        self.attachments.as_ref().ok_or_else(|| {
            ChatKitError::not_implemented("attachments are not enabled on this server")
        })
    }

    /// The item an action names; an empty id means no sender, as the SDK's truthiness test has it.
    async fn sender(
        &self,
        ctx: &RespondContext,
        thread: &ThreadMetadata,
        item_id: Option<&str>,
    ) -> Result<Option<ThreadItem>, ChatKitError> {
        match item_id.filter(|id| !id.is_empty()) {
            Some(id) => Ok(Some(
                self.store.load_item(&ctx.user_id, &thread.id, id).await?,
            )),
            None => Ok(None),
        }
    }

    fn page_size(&self, limit: Option<i64>) -> Result<usize, ChatKitError> {
        match limit {
            None | Some(0) => Ok(20),
            Some(n) if n < 0 => Err(ChatKitError::invalid("limit must not be negative")),
            Some(n) => Ok((n as usize).min(self.limits.max_page)),
        }
    }

    async fn visible_items(
        &self,
        uid: &str,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: Order,
    ) -> Result<Page<ThreadItem>, ChatKitError> {
        let mut page = self
            .store
            .load_thread_items(uid, thread_id, after, limit, order)
            .await?;
        page.data.retain(|i| !i.is_hidden());
        Ok(page)
    }

    /// The ids of the attachments on a thread's user messages.
    async fn attachments_on(
        &self,
        uid: &str,
        thread_id: &str,
    ) -> Result<Vec<String>, ChatKitError> {
        let mut ids = Vec::new();
        if self.attachments.is_none() {
            return Ok(ids);
        }
        let mut after = None;
        loop {
            let page = self
                .store
                .load_thread_items(uid, thread_id, after.as_deref(), 100, Order::Asc)
                .await?;
            for item in &page.data {
                if let ItemKind::UserMessage { attachments, .. } = &item.kind {
                    ids.extend(attachments.iter().map(|a| a.id.clone()));
                }
            }
            if !page.has_more {
                return Ok(ids);
            }
            after = page.after;
        }
    }

    /// Builds and validates a user message before the stream starts.
    async fn user_item(
        &self,
        ctx: &RespondContext,
        thread_id: &str,
        input: UserMessageInput,
    ) -> Result<ThreadItem, ChatKitError> {
        // Everything the message carries counts: its text, the quote, each tag and its data.
        let mut chars = input
            .quoted_text
            .as_deref()
            .map_or(0, |q| q.chars().count());
        let mut blank = true;
        for c in &input.content {
            chars += match c {
                UserMessageContent::InputText { text } => {
                    blank &= text.trim().is_empty();
                    text.chars().count()
                }
                UserMessageContent::InputTag {
                    id,
                    text,
                    data,
                    group,
                    ..
                } => {
                    blank &= text.trim().is_empty();
                    let data = serde_json::to_string(data).expect("JSON values serialize");
                    [id.as_str(), text, &data, group.as_deref().unwrap_or("")]
                        .iter()
                        .map(|s| s.chars().count())
                        .sum()
                }
            };
        }
        if chars > self.limits.max_message_chars {
            return Err(ChatKitError::too_large(format!(
                "message is {chars} characters; the limit is {}",
                self.limits.max_message_chars
            )));
        }
        if blank && input.attachments.is_empty() {
            return Err(ChatKitError::invalid("message is empty"));
        }
        // Each attachment once, in the order given.
        let mut ids: Vec<&String> = Vec::new();
        for id in &input.attachments {
            if !ids.contains(&id) {
                ids.push(id);
                if ids.len() > self.limits.max_attachments {
                    return Err(ChatKitError::invalid(format!(
                        "a message can carry at most {} attachments",
                        self.limits.max_attachments
                    )));
                }
            }
        }
        let mut attachments = Vec::new();
        for id in ids {
            let mut a = ctx.store.load_attachment(&ctx.user_id, id).await?;
            if a.upload_descriptor.is_some() {
                return Err(ChatKitError::invalid(format!(
                    "the attachment '{}' has not been uploaded yet",
                    a.name
                )));
            }
            // One message owns an attachment, so deleting its thread may delete the bytes.
            if a.thread_id.as_deref().is_some_and(|t| t != thread_id) {
                return Err(ChatKitError::new(
                    409,
                    "conflict",
                    format!(
                        "the attachment '{}' belongs to another conversation",
                        a.name
                    ),
                ));
            }
            a.thread_id = Some(thread_id.to_string());
            attachments.push(a);
        }
        Ok(ThreadItem {
            id: new_id("msg"),
            thread_id: thread_id.to_string(),
            created_at: Utc::now(),
            kind: ItemKind::UserMessage {
                content: input.content,
                attachments,
                quoted_text: input.quoted_text,
                inference_options: input.inference_options,
            },
        })
    }
}

fn json_result<T: serde::Serialize>(value: &T) -> ProcessResult {
    ProcessResult::Json(serde_json::to_vec(value).expect("responses always serialize"))
}

fn apply_structured_answers(item: &mut ThreadItem, input: &Value) -> Result<(), ChatKitError> {
    let ItemKind::StructuredInput { status, inputs } = &mut item.kind else {
        return Err(ChatKitError::invalid("item is not a structured input"));
    };
    if *status != StructuredInputStatus::Pending {
        return Err(ChatKitError::invalid(
            "structured input was already answered",
        ));
    }
    let skipped_all = input.get("status").and_then(Value::as_str) == Some("skipped");
    let answers = input.get("answers").cloned().unwrap_or(json!({}));
    for q in inputs.iter_mut() {
        let id = q
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let multiple = q.get("multiple").and_then(Value::as_bool).unwrap_or(false);
        let mut values: Vec<Value> = answers
            .get(&id)
            .and_then(|a| a.get("values"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let skipped = skipped_all
            || values.is_empty()
            || answers
                .get(&id)
                .and_then(|a| a.get("skipped"))
                .and_then(Value::as_bool)
                == Some(true);
        if q.get("type").and_then(Value::as_str) == Some("multiple_choice") && !multiple {
            values.truncate(1);
        }
        let answer = if skipped {
            json!({"values": [], "skipped": true})
        } else {
            json!({"values": values, "skipped": false})
        };
        // The SDK's key order: id, question, answer, then the rest.
        if let Some(obj) = q.as_object_mut() {
            let mut ordered = serde_json::Map::new();
            for k in ["id", "question"] {
                if let Some(v) = obj.get(k) {
                    ordered.insert(k.into(), v.clone());
                }
            }
            ordered.insert("answer".into(), answer);
            for (k, v) in obj.iter() {
                if !ordered.contains_key(k) {
                    ordered.insert(k.clone(), v.clone());
                }
            }
            *obj = ordered;
        }
    }
    *status = if skipped_all {
        StructuredInputStatus::Skipped
    } else {
        StructuredInputStatus::Answered
    };
    Ok(())
}
