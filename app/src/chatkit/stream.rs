//! The live side of one turn: `ThreadStream` (preamble, emit, persistence by the SDK's rules,
//! the saved state of a stopped turn), `MessageWriter`, and the SSE framing of every event.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use futures::FutureExt;
use tokio::sync::{mpsc, Notify};

use super::error::ChatKitError;
use super::runs::Tap;
use super::server::{RespondContext, Responder};
use super::store::{item_prefix, new_id};
use super::types::*;

/// The hidden context the SDK stores when a user stops a stream.
pub const CANCELLED_CONTEXT: &str =
    "The user cancelled the stream. Stop responding to the prior request.";

/// One SSE frame, exactly as the SDK frames it.
pub fn sse_frame(event: &ThreadStreamEvent) -> Vec<u8> {
    let mut out = b"data: ".to_vec();
    out.extend(serde_json::to_vec(event).expect("events always serialize"));
    out.extend(b"\n\n");
    out
}

/// The error a panicking responder's turn ends with; the panic itself goes to the log.
fn panicked(panic: &(dyn Any + Send)) -> ChatKitError {
    let what = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    tracing::error!("a turn's responder panicked: {what}");
    ChatKitError::internal(
        "The assistant failed while answering. Your message is saved; please try again.",
    )
}

/// What a turn does before `stream_options`.
pub(super) enum Preamble {
    None,
    Create(ThreadItem),
    UserItem(ThreadItem),
}

/// What a turn does after its preamble.
pub(super) enum Work {
    Respond(Option<ThreadItem>),
    Action(Action, Option<ThreadItem>),
    /// A structured input was answered: `thread.item.replaced` (after `stream_options`, as
    /// the SDK), then the responder with no input.
    Answered(ThreadItem),
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
    pub(super) fn new(
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

    /// One turn: preamble, `stream_options`, the responder (unless stopped), the final
    /// `thread.updated`. Returns whether it was stopped (`todokit.threads.cancel`).
    pub(super) async fn run(
        &mut self,
        pre: Preamble,
        work: Work,
        responder: Arc<dyn Responder>,
        cancel: Arc<Notify>,
    ) -> bool {
        if let Err(e) = self.preamble(pre).await {
            self.send(&e.event());
            return false;
        }
        let work = match work {
            Work::Respond(None) => Work::Respond(self.input.take()),
            w => w,
        };
        self.send(&ThreadStreamEvent::StreamOptions {
            stream_options: StreamOptions {
                allow_cancel: responder.allow_cancel(),
            },
        });
        let result = {
            let stream = &mut *self;
            let turn = async {
                match work {
                    Work::Respond(input) => responder.respond(stream, input).await,
                    Work::Answered(item) => {
                        stream
                            .emit(ThreadStreamEvent::ItemReplaced { item })
                            .await?;
                        responder.respond(stream, None).await
                    }
                    Work::Action(action, sender) => responder.action(stream, action, sender).await,
                }
            };
            // A responder that panics fails its turn, not the server: the turn ends like any
            // other failure, with an `error` event.
            let turn = AssertUnwindSafe(turn).catch_unwind();
            tokio::select! {
                r = turn => Some(r.unwrap_or_else(|panic| Err(panicked(panic.as_ref())))),
                _ = cancel.notified() => None,
            }
        };
        match result {
            None => {
                if let Err(e) = self.save_cancelled().await {
                    tracing::error!("saving a cancelled turn failed: {e}");
                }
                return true;
            }
            Some(Err(e)) => self.send(&e.event()),
            Some(Ok(())) => {}
        }
        if let Err(e) = self.flush_thread().await {
            self.send(&e.event());
        }
        false
    }

    /// The SDK's `handle_stream_cancelled`: keep pending assistant messages that have text,
    /// drop other pending items, and tell the model the user stopped it. Nothing is sent.
    async fn save_cancelled(&mut self) -> Result<(), ChatKitError> {
        let uid = self.ctx.user_id.clone();
        let store = self.ctx.store.clone();
        for item in std::mem::take(&mut self.pending) {
            let keep = match &item.kind {
                ItemKind::AssistantMessage { content, .. } => {
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

    async fn preamble(&mut self, pre: Preamble) -> Result<(), ChatKitError> {
        let uid = self.ctx.user_id.clone();
        match pre {
            Preamble::None => {}
            Preamble::Create(mut item) => {
                item.thread_id = self.thread.id.clone();
                if let ItemKind::UserMessage { attachments, .. } = &mut item.kind {
                    for a in attachments.iter_mut() {
                        a.thread_id = Some(self.thread.id.clone());
                    }
                }
                // The thread, its first message and that message's attachments, or nothing.
                self.ctx
                    .store
                    .create_thread(&uid, &self.thread, Some(&item))
                    .await?;
                self.send(&ThreadStreamEvent::ThreadCreated {
                    thread: Thread::from_metadata(&self.thread, Page::default()),
                });
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
        Tap::record(&self.tap, &frame);
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
        let item = self.new_item(ItemKind::AssistantMessage {
            content: vec![],
            cut_off: false,
        });
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

    pub async fn finish(self, stream: &mut ThreadStream) -> Result<ThreadItem, ChatKitError> {
        self.close(stream, false).await
    }

    /// Ends a message that a failure interrupted: its text so far is kept, marked cut off
    /// (`todokit_cut_off` on the item) so nobody takes it for the whole answer.
    pub async fn cut_off(self, stream: &mut ThreadStream) -> Result<ThreadItem, ChatKitError> {
        self.close(stream, true).await
    }

    async fn close(
        mut self,
        stream: &mut ThreadStream,
        cut_off: bool,
    ) -> Result<ThreadItem, ChatKitError> {
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
            cut_off,
        };
        stream
            .emit(ThreadStreamEvent::ItemDone {
                item: self.item.clone(),
            })
            .await?;
        Ok(self.item)
    }
}
