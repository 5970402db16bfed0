//! The protocol engine (the SDK's `ChatKitServer.process`): routes each request, validates it
//! before any byte is sent, then runs the app's `Responder` in a task of its own so a client
//! that disconnects does not stop the turn.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch, Notify};

use super::error::ChatKitError;
use super::store::{item_prefix, new_id, AttachmentStore, ThreadStore};
use super::types::*;

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
    pub max_message_chars: usize,
    pub max_title_chars: usize,
    pub max_page: usize,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            max_message_chars: 16_000,
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

/// One SSE frame, exactly as the SDK frames it.
pub fn sse_frame(event: &ThreadStreamEvent) -> Vec<u8> {
    let mut out = b"data: ".to_vec();
    out.extend(serde_json::to_vec(event).expect("events always serialize"));
    out.extend(b"\n\n");
    out
}

/// A turn in flight, registered by thread so an explicit stop or a re-attaching client can
/// reach it (per instance).
struct RunHandle {
    run: u64,
    user_id: String,
    cancel: Arc<Notify>,
    finished: watch::Receiver<bool>,
    tap: Arc<Mutex<Tap>>,
}

/// Every frame a run has sent so far, and the clients re-attached to it: a client that
/// reloads mid-turn gets the whole turn replayed, then the rest live.
#[derive(Default)]
struct Tap {
    frames: Vec<Vec<u8>>,
    listeners: Vec<mpsc::UnboundedSender<Vec<u8>>>,
    closed: bool,
}

impl Tap {
    fn close(tap: &Mutex<Tap>) {
        let mut t = tap.lock().expect("tap lock");
        t.closed = true;
        t.listeners.clear();
    }
}

/// The hidden context the SDK stores when a user stops a stream.
pub const CANCELLED_CONTEXT: &str =
    "The user cancelled the stream. Stop responding to the prior request.";

#[derive(Clone)]
pub struct ChatKitServer {
    store: Arc<dyn ThreadStore>,
    /// Attachment bytes; without one, `attachments.*` answer 501 (the SDK raises).
    attachments: Option<Arc<dyn AttachmentStore>>,
    responder: Arc<dyn Responder>,
    limits: EngineLimits,
    runs: Arc<Mutex<HashMap<String, RunHandle>>>,
}

/// What a spawned turn does after its preamble.
enum Work {
    Respond(Option<ThreadItem>),
    Action(Action, Option<ThreadItem>),
    /// A structured input was answered: `thread.item.replaced` (after `stream_options`, as
    /// the SDK), then the responder with no input.
    Answered(ThreadItem),
}

impl ChatKitServer {
    pub fn new(store: Arc<dyn ThreadStore>, responder: Arc<dyn Responder>) -> Self {
        ChatKitServer {
            store,
            attachments: None,
            responder,
            limits: EngineLimits::default(),
            runs: Default::default(),
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

    pub fn store(&self) -> &Arc<dyn ThreadStore> {
        &self.store
    }

    fn attachment_store(&self) -> Result<&Arc<dyn AttachmentStore>, ChatKitError> {
        self.attachments.as_ref().ok_or_else(|| {
            ChatKitError::not_implemented("attachments are not enabled on this server")
        })
    }

    /// Handles one parsed request for `user_id`. Errors returned here happen before any response
    /// byte, so the HTTP layer can answer with their status.
    pub async fn process(
        &self,
        request: ChatKitRequest,
        user_id: &str,
        locale: Option<String>,
        origin: Option<String>,
    ) -> Result<ProcessResult, ChatKitError> {
        let ctx = RespondContext {
            user_id: user_id.to_string(),
            store: self.store.clone(),
            locale,
            origin,
        };
        let store = &self.store;
        let uid = user_id;
        match request {
            ChatKitRequest::CreateThread(p) => {
                let user_item = self.user_item(&ctx, "", p.input).await?;
                let now = Utc::now();
                let thread = ThreadMetadata {
                    title: None,
                    id: new_id("thr"),
                    created_at: now,
                    status: ThreadStatus::Active,
                    allowed_image_domains: None,
                    metadata: Default::default(),
                };
                Ok(self.spawn(
                    ctx,
                    thread,
                    Preamble::Create(user_item),
                    Work::Respond(None),
                ))
            }
            ChatKitRequest::AddUserMessage(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                let item = self.user_item(&ctx, &thread.id, p.input).await?;
                Ok(self.spawn(ctx, thread, Preamble::UserItem(item), Work::Respond(None)))
            }
            ChatKitRequest::AddClientToolOutput(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                let recent = store
                    .load_thread_items(uid, &thread.id, None, 20, Order::Desc)
                    .await?;
                let Some(mut last) = recent.data.first().cloned() else {
                    return Err(ChatKitError::invalid(
                        "no client tool call is waiting for output",
                    ));
                };
                match &mut last.kind {
                    ItemKind::ClientToolCall { status, output, .. }
                        if *status == ClientToolCallStatus::Pending =>
                    {
                        *status = ClientToolCallStatus::Completed;
                        *output = Some(p.result);
                    }
                    _ => {
                        return Err(ChatKitError::invalid(
                            "no client tool call is waiting for output",
                        ))
                    }
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
                Ok(self.spawn(ctx, thread, Preamble::None, Work::Respond(None)))
            }
            ChatKitRequest::AddStructuredInput(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                let mut item = store.load_item(uid, &thread.id, &p.item_id).await?;
                apply_structured_answers(&mut item, &p.input)?;
                Ok(self.spawn(ctx, thread, Preamble::None, Work::Answered(item)))
            }
            ChatKitRequest::RetryAfterItem(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                let target = store.load_item(uid, &thread.id, &p.item_id).await?;
                if !matches!(target.kind, ItemKind::UserMessage { .. }) {
                    return Err(ChatKitError::invalid("only a user message can be retried"));
                }
                // Newest first until the target: everything after it goes, silently (as the SDK).
                let mut after = None;
                loop {
                    let page = store
                        .load_thread_items(uid, &thread.id, after.as_deref(), 100, Order::Desc)
                        .await?;
                    let mut reached = false;
                    for it in &page.data {
                        if it.id == target.id {
                            reached = true;
                            break;
                        }
                        store.delete_thread_item(uid, &thread.id, &it.id).await?;
                    }
                    if reached || !page.has_more {
                        break;
                    }
                    after = page.after;
                }
                Ok(self.spawn(ctx, thread, Preamble::None, Work::Respond(Some(target))))
            }
            ChatKitRequest::CustomAction(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                // An empty id means no sender, as the SDK's truthiness test has it.
                let sender = match p.item_id.as_deref().filter(|id| !id.is_empty()) {
                    Some(id) => Some(store.load_item(uid, &thread.id, id).await?),
                    None => None,
                };
                if let Some(s) = &sender {
                    if !matches!(s.kind, ItemKind::Widget { .. }) {
                        // The SDK answers this with a bare error event and no stream options.
                        let (tx, rx) = mpsc::unbounded_channel();
                        let _ = tx.send(sse_frame(&ThreadStreamEvent::Error {
                            code: "stream.error".into(),
                            message: None,
                            allow_retry: false,
                        }));
                        return Ok(ProcessResult::Stream(rx));
                    }
                }
                Ok(self.spawn(ctx, thread, Preamble::None, Work::Action(p.action, sender)))
            }
            ChatKitRequest::SyncCustomAction(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                let sender = match p.item_id.as_deref().filter(|id| !id.is_empty()) {
                    Some(id) => Some(store.load_item(uid, &thread.id, id).await?),
                    None => None,
                };
                if sender
                    .as_ref()
                    .is_some_and(|s| !matches!(s.kind, ItemKind::Widget { .. }))
                {
                    return Err(ChatKitError::invalid("only a widget can send an action"));
                }
                let updated = self
                    .responder
                    .sync_action(&ctx, &thread, p.action, sender)
                    .await?;
                match updated {
                    Some(item) => {
                        store.save_item(uid, &item).await?;
                        Ok(json_result(&json!({ "updated_item": item })))
                    }
                    None => Ok(json_result(&json!({}))),
                }
            }
            ChatKitRequest::GetThread(p) => {
                let thread = store.load_thread(uid, &p.thread_id).await?;
                let items = self
                    .visible_items(uid, &thread.id, None, 20, Order::Asc)
                    .await?;
                Ok(json_result(&Thread::from_metadata(&thread, items)))
            }
            ChatKitRequest::ListThreads(p) => {
                let limit = self.page_size(p.limit)?;
                let page = store
                    .load_threads(uid, limit, p.after.as_deref(), p.order)
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
            ChatKitRequest::UpdateThread(p) => {
                let mut thread = store.load_thread(uid, &p.thread_id).await?;
                let title = p.title.trim();
                if title.chars().count() > self.limits.max_title_chars {
                    return Err(ChatKitError::invalid(format!(
                        "title is longer than {} characters",
                        self.limits.max_title_chars
                    )));
                }
                thread.title = Some(title.to_string());
                store.save_thread(uid, &thread).await?;
                Ok(json_result(&Thread::from_metadata(
                    &thread,
                    Page::default(),
                )))
            }
            ChatKitRequest::DeleteThread(p) => {
                store.load_thread(uid, &p.thread_id).await?;
                let attached = self.attachments_on(uid, &p.thread_id).await?;
                store.delete_thread(uid, &p.thread_id).await?;
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
            ChatKitRequest::ListItems(p) => {
                store.load_thread(uid, &p.thread_id).await?;
                let limit = self.page_size(p.limit)?;
                let page = self
                    .visible_items(uid, &p.thread_id, p.after.as_deref(), limit, p.order)
                    .await?;
                Ok(json_result(&page))
            }
            ChatKitRequest::Feedback(p) => {
                store.load_thread(uid, &p.thread_id).await?;
                store
                    .add_feedback(uid, &p.thread_id, &p.item_ids, p.kind)
                    .await?;
                Ok(json_result(&json!({})))
            }
            ChatKitRequest::CreateAttachment(p) => {
                let attachment = self
                    .attachment_store()?
                    .create_attachment(uid, &p, ctx.origin.as_deref())
                    .await?;
                store.save_attachment(uid, &attachment).await?;
                Ok(json_result(&attachment))
            }
            ChatKitRequest::DeleteAttachment(p) => {
                let bytes = self.attachment_store()?;
                // Only the owner's: another user's id is as unknown as a made-up one.
                store.load_attachment(uid, &p.attachment_id).await?;
                bytes.delete_attachment(uid, &p.attachment_id).await?;
                store.delete_attachment(uid, &p.attachment_id).await?;
                Ok(json_result(&json!({})))
            }
            ChatKitRequest::CancelRun(p) => {
                store.load_thread(uid, &p.thread_id).await?;
                let cancelled = self.cancel_run(uid, &p.thread_id).await;
                Ok(json_result(&json!({ "cancelled": cancelled })))
            }
            ChatKitRequest::ResumeRun(p) => {
                store.load_thread(uid, &p.thread_id).await?;
                Ok(ProcessResult::Stream(self.attach(uid, &p.thread_id)))
            }
            ChatKitRequest::Transcribe(p) => {
                let audio = decode_base64(&p.audio_base64)
                    .ok_or_else(|| ChatKitError::invalid("audio_base64 is not valid base64"))?;
                let media = p
                    .mime_type
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let text = self.responder.transcribe(&ctx, audio, &media).await?;
                Ok(json_result(&json!({ "text": text })))
            }
        }
    }

    /// Stops the run in flight on `thread_id` (if this instance runs one for this user) and
    /// waits until its partial output is saved. Returns whether a run was stopped.
    pub async fn cancel_run(&self, user_id: &str, thread_id: &str) -> bool {
        let (cancel, mut finished) = {
            let runs = self.runs.lock().expect("run registry lock");
            match runs.get(thread_id) {
                Some(h) if h.user_id == user_id => (h.cancel.clone(), h.finished.clone()),
                _ => return false,
            }
        };
        cancel.notify_one();
        let _ =
            tokio::time::timeout(Duration::from_secs(10), finished.wait_for(|done| *done)).await;
        true
    }

    /// The run in flight on `thread_id` as a stream: every frame so far, then the rest until
    /// the run ends. With no run (or another instance's) the stream is empty and ends at once.
    fn attach(&self, user_id: &str, thread_id: &str) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let tap = match self.runs.lock().expect("run registry lock").get(thread_id) {
            Some(h) if h.user_id == user_id => Some(h.tap.clone()),
            _ => None,
        };
        if let Some(tap) = tap {
            // Replay and subscribe under one lock, so no frame is missed or sent twice.
            let mut t = tap.lock().expect("tap lock");
            for frame in &t.frames {
                let _ = tx.send(frame.clone());
            }
            if !t.closed {
                t.listeners.push(tx);
            }
        }
        rx
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
        let text: String = input
            .content
            .iter()
            .map(|c| match c {
                UserMessageContent::InputText { text } => text.as_str(),
                UserMessageContent::InputTag { text, .. } => text.as_str(),
            })
            .collect();
        let chars = text.chars().count();
        if chars > self.limits.max_message_chars {
            return Err(ChatKitError::too_large(format!(
                "message is {chars} characters; the limit is {}",
                self.limits.max_message_chars
            )));
        }
        if text.trim().is_empty() && input.attachments.is_empty() {
            return Err(ChatKitError::invalid("message is empty"));
        }
        let mut attachments = Vec::new();
        for id in &input.attachments {
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

    fn spawn(
        &self,
        ctx: RespondContext,
        thread: ThreadMetadata,
        pre: Preamble,
        work: Work,
    ) -> ProcessResult {
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let responder = self.responder.clone();
        let cancel = Arc::new(Notify::new());
        let (finished_tx, finished) = watch::channel(false);
        let thread_id = thread.id.clone();
        let tap = Arc::new(Mutex::new(Tap::default()));
        self.runs.lock().expect("run registry lock").insert(
            thread_id.clone(),
            RunHandle {
                run,
                user_id: ctx.user_id.clone(),
                cancel: cancel.clone(),
                finished,
                tap: tap.clone(),
            },
        );
        let runs = self.runs.clone();
        let mut stream = ThreadStream::new(ctx, thread, tx, tap.clone());
        tokio::spawn(async move {
            stream.run(pre, work, responder, cancel).await;
            Tap::close(&tap);
            let mut runs = runs.lock().expect("run registry lock");
            if runs.get(&thread_id).is_some_and(|h| h.run == run) {
                runs.remove(&thread_id);
            }
            drop(runs);
            let _ = finished_tx.send(true);
        });
        ProcessResult::Stream(rx)
    }
}

impl ThreadStream {
    /// One turn: preamble, `stream_options`, the responder (unless stopped), the final
    /// `thread.updated`.
    async fn run(
        &mut self,
        pre: Preamble,
        work: Work,
        responder: Arc<dyn Responder>,
        cancel: Arc<Notify>,
    ) {
        let stream = self;
        {
            if let Err(e) = stream.preamble(pre).await {
                stream.send(&e.event());
                return;
            }
            let work = match work {
                Work::Respond(None) => Work::Respond(stream.input.take()),
                w => w,
            };
            stream.send(&ThreadStreamEvent::StreamOptions {
                stream_options: StreamOptions {
                    allow_cancel: responder.allow_cancel(),
                },
            });
            let result = {
                let turn = async {
                    match work {
                        Work::Respond(input) => responder.respond(stream, input).await,
                        Work::Answered(item) => {
                            stream
                                .emit(ThreadStreamEvent::ItemReplaced { item })
                                .await?;
                            responder.respond(stream, None).await
                        }
                        Work::Action(action, sender) => {
                            responder.action(stream, action, sender).await
                        }
                    }
                };
                tokio::select! {
                    r = turn => Some(r),
                    _ = cancel.notified() => None,
                }
            };
            match result {
                None => {
                    if let Err(e) = stream.save_cancelled().await {
                        tracing::error!("saving a cancelled turn failed: {e}");
                    }
                    return;
                }
                Some(Err(e)) => stream.send(&e.event()),
                Some(Ok(())) => {}
            }
            if let Err(e) = stream.flush_thread().await {
                stream.send(&e.event());
            }
        }
    }

    /// The SDK's `handle_stream_cancelled`: keep pending assistant messages that have text,
    /// drop other pending items, and tell the model the user stopped it. Nothing is sent.
    async fn save_cancelled(&mut self) -> Result<(), ChatKitError> {
        let uid = self.ctx.user_id.clone();
        let store = self.ctx.store.clone();
        for item in std::mem::take(&mut self.pending) {
            let keep = match &item.kind {
                ItemKind::AssistantMessage { content } => {
                    content.iter().any(|c| !c.text.trim().is_empty())
                }
                _ => false,
            };
            if keep {
                store.add_thread_item(&uid, &item).await?;
            }
        }
        let note = self.new_item(ItemKind::SdkHiddenContext {
            content: CANCELLED_CONTEXT.into(),
        });
        store.add_thread_item(&uid, &note).await?;
        Ok(())
    }
}

fn json_result<T: serde::Serialize>(value: &T) -> ProcessResult {
    ProcessResult::Json(serde_json::to_vec(value).expect("responses always serialize"))
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'-' => 62,
            b'_' => 63,
            _ => ALPHA.iter().position(|&a| a == c)? as u32,
        };
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
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

/// What a turn does before `stream_options`.
enum Preamble {
    None,
    Create(ThreadItem),
    UserItem(ThreadItem),
}

/// The live side of one turn: the app emits events here; the stream persists them by the SDK's
/// rules and forwards them to the client if it is still connected.
pub struct ThreadStream {
    pub ctx: RespondContext,
    thread: ThreadMetadata,
    saved_thread: ThreadMetadata,
    pending: Vec<ThreadItem>,
    input: Option<ThreadItem>,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    tap: Arc<Mutex<Tap>>,
}

impl ThreadStream {
    fn new(
        ctx: RespondContext,
        thread: ThreadMetadata,
        tx: mpsc::UnboundedSender<Vec<u8>>,
        tap: Arc<Mutex<Tap>>,
    ) -> Self {
        ThreadStream {
            ctx,
            saved_thread: thread.clone(),
            thread,
            pending: Vec::new(),
            input: None,
            tx,
            tap,
        }
    }

    async fn preamble(&mut self, pre: Preamble) -> Result<(), ChatKitError> {
        let uid = self.ctx.user_id.clone();
        match pre {
            Preamble::None => {}
            Preamble::Create(mut item) => {
                self.ctx.store.save_thread(&uid, &self.thread).await?;
                self.send(&ThreadStreamEvent::ThreadCreated {
                    thread: Thread::from_metadata(&self.thread, Page::default()),
                });
                item.thread_id = self.thread.id.clone();
                if let ItemKind::UserMessage { attachments, .. } = &mut item.kind {
                    for a in attachments.iter_mut() {
                        a.thread_id = Some(self.thread.id.clone());
                        self.ctx.store.save_attachment(&uid, a).await?;
                    }
                }
                self.ctx.store.add_thread_item(&uid, &item).await?;
                self.send(&ThreadStreamEvent::ItemDone { item: item.clone() });
                self.input = Some(item);
            }
            Preamble::UserItem(item) => {
                if let ItemKind::UserMessage { attachments, .. } = &item.kind {
                    for a in attachments {
                        self.ctx.store.save_attachment(&uid, a).await?;
                    }
                }
                self.ctx.store.add_thread_item(&uid, &item).await?;
                self.send(&ThreadStreamEvent::ItemDone { item: item.clone() });
                self.input = Some(item);
            }
        }
        Ok(())
    }

    pub fn thread(&self) -> &ThreadMetadata {
        &self.thread
    }

    /// Changes the title; the client hears `thread.updated` after the next event.
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.thread.title = Some(title.into());
    }

    /// A fresh item shell for this thread.
    pub fn new_item(&self, kind: ItemKind) -> ThreadItem {
        ThreadItem {
            id: new_id(item_prefix(&kind)),
            thread_id: self.thread.id.clone(),
            created_at: Utc::now(),
            kind,
        }
    }

    /// Whether the client is still reading (a dropped client does not stop the turn).
    pub fn is_connected(&self) -> bool {
        !self.tx.is_closed()
    }

    fn send(&self, event: &ThreadStreamEvent) {
        let frame = sse_frame(event);
        {
            let mut tap = self.tap.lock().expect("tap lock");
            tap.frames.push(frame.clone());
            tap.listeners.retain(|l| l.send(frame.clone()).is_ok());
        }
        // A closed channel means the client left; the turn goes on and is saved regardless.
        let _ = self.tx.send(frame);
    }

    /// Emits one event: persists it by the SDK's rules, forwards it, then reports a changed
    /// thread with `thread.updated`.
    pub async fn emit(&mut self, event: ThreadStreamEvent) -> Result<(), ChatKitError> {
        let uid = self.ctx.user_id.clone();
        let store = self.ctx.store.clone();
        let mut forward = true;
        match &event {
            ThreadStreamEvent::ItemAdded { item } => self.pending.push(item.clone()),
            ThreadStreamEvent::ItemUpdated { item_id, update } => {
                if let Some(p) = self.pending.iter_mut().find(|p| &p.id == item_id) {
                    update.apply(p);
                }
            }
            ThreadStreamEvent::ItemDone { item } => {
                store.add_thread_item(&uid, item).await?;
                self.pending.retain(|p| p.id != item.id);
                forward = !item.is_hidden();
            }
            ThreadStreamEvent::ItemRemoved { item_id } => {
                self.pending.retain(|p| &p.id != item_id);
                match store
                    .delete_thread_item(&uid, &self.thread.id, item_id)
                    .await
                {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            ThreadStreamEvent::ItemReplaced { item } => store.save_item(&uid, item).await?,
            _ => {}
        }
        if forward {
            self.send(&event);
        }
        self.flush_thread().await
    }

    async fn flush_thread(&mut self) -> Result<(), ChatKitError> {
        if self.thread != self.saved_thread {
            self.ctx
                .store
                .save_thread(&self.ctx.user_id, &self.thread)
                .await?;
            self.saved_thread = self.thread.clone();
            self.send(&ThreadStreamEvent::ThreadUpdated {
                thread: Thread::from_metadata(&self.thread, Page::default()),
            });
        }
        Ok(())
    }

    /// Items still in flight (added, not done): what a reloading client or a cancel would keep.
    pub fn pending(&self) -> &[ThreadItem] {
        &self.pending
    }

    /// Streams a complete assistant message from text chunks.
    pub async fn assistant_message<I, S>(&mut self, chunks: I) -> Result<ThreadItem, ChatKitError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut writer = self.begin_message().await?;
        for c in chunks {
            writer.push(self, c.into()).await?;
        }
        writer.finish(self).await
    }

    /// Starts an assistant message whose text arrives in deltas.
    pub async fn begin_message(&mut self) -> Result<MessageWriter, ChatKitError> {
        let item = self.new_item(ItemKind::AssistantMessage { content: vec![] });
        let id = item.id.clone();
        self.emit(ThreadStreamEvent::ItemAdded { item: item.clone() })
            .await?;
        self.emit(ThreadStreamEvent::ItemUpdated {
            item_id: id,
            update: ItemUpdate::ContentPartAdded {
                content_index: 0,
                content: AssistantMessageContent::text(""),
            },
        })
        .await?;
        Ok(MessageWriter {
            item,
            text: String::new(),
        })
    }
}

/// An assistant message being written; see [`ThreadStream::begin_message`].
pub struct MessageWriter {
    item: ThreadItem,
    text: String,
}

impl MessageWriter {
    pub fn id(&self) -> &str {
        &self.item.id
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub async fn push(
        &mut self,
        stream: &mut ThreadStream,
        delta: String,
    ) -> Result<(), ChatKitError> {
        if delta.is_empty() {
            return Ok(());
        }
        self.text.push_str(&delta);
        stream
            .emit(ThreadStreamEvent::ItemUpdated {
                item_id: self.item.id.clone(),
                update: ItemUpdate::TextDelta {
                    content_index: 0,
                    delta,
                },
            })
            .await
    }

    pub async fn finish(mut self, stream: &mut ThreadStream) -> Result<ThreadItem, ChatKitError> {
        let content = AssistantMessageContent::text(self.text.clone());
        stream
            .emit(ThreadStreamEvent::ItemUpdated {
                item_id: self.item.id.clone(),
                update: ItemUpdate::ContentPartDone {
                    content_index: 0,
                    content: content.clone(),
                },
            })
            .await?;
        self.item.kind = ItemKind::AssistantMessage {
            content: vec![content],
        };
        stream
            .emit(ThreadStreamEvent::ItemDone {
                item: self.item.clone(),
            })
            .await?;
        Ok(self.item)
    }
}
