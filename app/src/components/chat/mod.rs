//! The chat panel the launcher (`launcher.rs`) opens: 400 px on desktop, full screen on phones.
//! It speaks ChatKit to `/api/chatkit` (attachments by two-phase upload) and keeps the current
//! thread id and the unsent draft in localStorage.

pub mod client;
mod history;
mod launcher;
mod messages;
pub mod speech;
pub mod widget;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::attachments::{allowed_list, preview_path};
use crate::auth::{sign_in_url, use_auth};
use crate::chatkit::types::*;
use crate::components::icons::{icon, Icon};
use crate::components::markdown::Markdown;
use crate::components::theme::ThemeToggle;
use crate::hooks::use_auto_scroll::use_auto_scroll;
use crate::hooks::use_clipboard::copy_to_clipboard;
use crate::hooks::use_ime_enter::use_ime_enter;
use crate::hooks::use_local_storage::use_local_storage;
use crate::i18n::{use_i18n, I18n, Key, Locale};
use client::ClientError;
use history::{load_threads, HistoryList};
pub use launcher::ChatLauncher;
use messages::{render_item, Actions, Place};
use widget::{FiredAction, WidgetView};

#[derive(Clone, Copy, PartialEq)]
enum PanelView {
    Chat,
    History,
}

/// What the error's Retry button does again.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Retry {
    /// Send the composer's text (it was put back there).
    Send,
    /// `threads.retry_after_item` on the last user message.
    LastAnswer,
}

/// An error shown under the messages, with what the user can do about it.
#[derive(Clone, Debug, PartialEq)]
struct PanelError {
    text: String,
    retry: Option<Retry>,
    sign_in: bool,
}

impl PanelError {
    fn text(text: impl Into<String>) -> Self {
        PanelError {
            text: text.into(),
            retry: None,
            sign_in: false,
        }
    }

    /// A failed request in the UI's words: 401 → sign in (the draft is kept), 429 → wait,
    /// offline or 5xx → retry.
    fn from_client(e: &ClientError, i18n: I18n, retry: Option<Retry>) -> Self {
        match e {
            ClientError::Unauthorized => PanelError {
                text: i18n.t(Key::ErrSession).into(),
                retry,
                sign_in: true,
            },
            ClientError::RateLimited { retry_after } => PanelError {
                text: i18n.fill(
                    Key::ErrSlowDown,
                    "{n}",
                    &retry_after.unwrap_or(10).to_string(),
                ),
                retry,
                sign_in: false,
            },
            ClientError::Http { status, .. } if *status >= 500 => PanelError {
                text: i18n.fill(Key::ErrServer, "{n}", &status.to_string()),
                retry,
                sign_in: false,
            },
            ClientError::Http { message, .. } => PanelError::text(message.clone()),
            ClientError::Network(_) => PanelError {
                text: i18n.t(Key::ErrOffline).into(),
                retry,
                sign_in: false,
            },
        }
    }
}

/// Everything the panel shows, as signals.
#[derive(Clone, Copy)]
struct Chat {
    thread_id: RwSignal<Option<String>>,
    title: RwSignal<Option<String>>,
    items: RwSignal<Vec<ThreadItem>>,
    streaming: RwSignal<bool>,
    error: RwSignal<Option<PanelError>>,
    progress: RwSignal<Option<String>>,
    threads: RwSignal<Vec<Thread>>,
    /// The history's next page (`after`), when there is one.
    threads_after: RwSignal<Option<String>>,
    view: RwSignal<PanelView>,
    loaded_for: RwSignal<Option<String>>,
    /// The widget node showing a running action: (item id, node path).
    busy: RwSignal<Option<(String, String)>>,
    /// The assistant's last complete answer, for the screen reader's live region.
    announce: RwSignal<String>,
    /// Thumbs given in this session, by item id.
    feedback: RwSignal<Vec<(String, FeedbackKind)>>,
    /// An assistant message a failure cut short.
    cut_off: RwSignal<Option<String>>,
    /// How many items there were when the current request started (its answer comes after).
    turn_start: RwSignal<usize>,
    i18n: I18n,
}

impl Chat {
    /// An empty panel on `thread_id` (the remembered thread, if any).
    fn new(thread_id: RwSignal<Option<String>>, i18n: I18n) -> Self {
        Chat {
            thread_id,
            title: RwSignal::new(None),
            items: RwSignal::new(Vec::new()),
            streaming: RwSignal::new(false),
            error: RwSignal::new(None),
            progress: RwSignal::new(None),
            threads: RwSignal::new(Vec::new()),
            threads_after: RwSignal::new(None),
            view: RwSignal::new(PanelView::Chat),
            loaded_for: RwSignal::new(None),
            busy: RwSignal::new(None),
            announce: RwSignal::new(String::new()),
            feedback: RwSignal::new(Vec::new()),
            cut_off: RwSignal::new(None),
            turn_start: RwSignal::new(0),
            i18n,
        }
    }

    fn apply(&self, ev: ThreadStreamEvent) {
        match ev {
            ThreadStreamEvent::ThreadCreated { thread }
            | ThreadStreamEvent::ThreadUpdated { thread } => {
                self.loaded_for.set(Some(thread.id.clone()));
                self.thread_id.set(Some(thread.id));
                self.title.set(thread.title);
            }
            ThreadStreamEvent::ItemAdded { item }
            | ThreadStreamEvent::ItemDone { item }
            | ThreadStreamEvent::ItemReplaced { item } => {
                self.progress.set(None);
                self.items
                    .update(|items| match items.iter_mut().find(|i| i.id == item.id) {
                        Some(existing) => *existing = item,
                        None => items.push(item),
                    });
            }
            ThreadStreamEvent::ItemUpdated { item_id, update } => self.items.update(|items| {
                if let Some(i) = items.iter_mut().find(|i| i.id == item_id) {
                    update.apply(i);
                }
            }),
            ThreadStreamEvent::ItemRemoved { item_id } => {
                self.items.update(|items| items.retain(|i| i.id != item_id))
            }
            ThreadStreamEvent::ProgressUpdate { text, .. } => self.progress.set(Some(text)),
            ThreadStreamEvent::Error {
                message,
                allow_retry,
                ..
            } => self.error.set(Some(PanelError {
                text: message.unwrap_or_else(|| self.i18n.t(Key::ErrGeneric).into()),
                retry: allow_retry.then_some(Retry::LastAnswer),
                sign_in: false,
            })),
            ThreadStreamEvent::Notice { message, .. } => {
                self.error.set(Some(PanelError::text(message)))
            }
            ThreadStreamEvent::StreamOptions { .. } | ThreadStreamEvent::ClientEffect { .. } => {}
        }
    }

    /// Runs one streamed request (a message or a widget action), applying its events. An
    /// answer a failure interrupted is marked as cut off; a finished one is announced.
    async fn stream(self, token: &str, req: &ChatKitRequest) -> Result<(), ClientError> {
        self.error.set(None);
        self.cut_off.set(None);
        self.streaming.set(true);
        let before = self.items.with_untracked(Vec::len);
        self.turn_start.set(before);
        let result = client::request_stream(token, req, move |ev| self.apply(ev)).await;
        self.streaming.set(false);
        self.progress.set(None);
        let failed = result.is_err() || self.error.with_untracked(Option::is_some);
        let newest = self.items.with_untracked(|items| {
            items[before.min(items.len())..]
                .iter()
                .rev()
                .find(|i| matches!(i.kind, ItemKind::AssistantMessage { .. }))
                .map(|i| (i.id.clone(), i.assistant_text().unwrap_or_default()))
        });
        if let Some((id, text)) = newest {
            if failed {
                self.cut_off.set(Some(id));
            } else {
                self.announce.set(text);
            }
        }
        result
    }

    /// Whether the thread has grown past `len` items (the server took the request).
    fn grew_past(&self, len: usize) -> bool {
        self.items.with_untracked(Vec::len) > len
    }
}

/// A file in the composer: uploading until `ready`, then sent with the next message.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    attachment: Attachment,
    ready: bool,
}

/// `attachments.create`, then the bytes to its upload URL, one file after another; each shows
/// as a chip from creation on. A refused file is reported and leaves no chip.
#[cfg(feature = "hydrate")]
fn attach(
    files: Vec<web_sys::File>,
    drafts: RwSignal<Vec<Draft>>,
    fail: impl Fn(ClientError) + Copy + 'static,
) {
    let Some(token) = api_token() else {
        return fail(ClientError::Unauthorized);
    };
    spawn_local(async move {
        for file in files {
            let create = ChatKitRequest::CreateAttachment(CreateAttachmentParams {
                name: file.name(),
                size: file.size() as i64,
                mime_type: file.type_(),
            });
            let attachment = match client::request_json::<Attachment>(&token, &create).await {
                Ok(a) => a,
                Err(e) => {
                    fail(e);
                    continue;
                }
            };
            let Some(descriptor) = attachment.upload_descriptor.clone() else {
                continue;
            };
            let id = attachment.id.clone();
            drafts.update(|d| {
                d.push(Draft {
                    attachment,
                    ready: false,
                })
            });
            match client::upload(&token, &descriptor, &file).await {
                Ok(done) => drafts.update(|d| {
                    if let Some(draft) = d.iter_mut().find(|x| x.attachment.id == id) {
                        *draft = Draft {
                            attachment: done,
                            ready: true,
                        };
                    }
                }),
                Err(e) => {
                    drafts.update(|d| d.retain(|x| x.attachment.id != id));
                    let delete =
                        ChatKitRequest::DeleteAttachment(AttachmentIdParams { attachment_id: id });
                    let _ = client::request_json::<serde_json::Value>(&token, &delete).await;
                    fail(e);
                }
            }
        }
    });
}

/// The current bearer token for the chat API, if signed in.
fn api_token() -> Option<String> {
    match use_auth().session_untracked() {
        Some(Ok(Some(s))) => Some(s.api_token),
        _ => None,
    }
}

/// The composer's slash commands: `/name`, its label, and what choosing it does.
#[derive(Clone, Copy, PartialEq)]
enum Command {
    /// Send these words.
    Say(Key),
    NewChat,
}

const COMMANDS: [(&str, Key, Command); 4] = [
    ("/today", Key::CmdToday, Command::Say(Key::ChipToday)),
    ("/overdue", Key::CmdOverdue, Command::Say(Key::ChipOverdue)),
    ("/tasks", Key::CmdTasks, Command::Say(Key::ChipTasks)),
    ("/new", Key::CmdNew, Command::NewChat),
];

/// The commands a composer text calls up: it starts with `/` and has no space yet.
fn matching_commands(input: &str) -> Vec<(&'static str, Key, Command)> {
    if !input.starts_with('/') || input.contains(char::is_whitespace) {
        return Vec::new();
    }
    COMMANDS
        .into_iter()
        .filter(|(name, ..)| name.starts_with(&input.to_ascii_lowercase()))
        .collect()
}

#[component]
fn ChatPanel(on_close: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let stored = use_local_storage("todokit.thread");
    let chat = Chat::new(stored, i18n);
    // The draft survives a reload, a failed send and a sign-in.
    let saved_draft = use_local_storage("todokit.draft");
    let input = RwSignal::new(saved_draft.get_untracked().unwrap_or_default());
    Effect::new(move |_| {
        let text = input.get();
        saved_draft.set((!text.is_empty()).then_some(text));
    });
    let drafts = RwSignal::new(Vec::<Draft>::new());
    let editing = RwSignal::new(false);
    let uploading = move || drafts.with(|d| d.iter().any(|x| !x.ready));
    // Keep the newest message in view while the user is at the bottom.
    let scroll = use_auto_scroll(chat.items);
    let file_ref = NodeRef::<html::Input>::new();
    let composer = NodeRef::<html::Textarea>::new();
    let focus_composer = move || {
        if let Some(c) = composer.get_untracked() {
            let _ = c.focus();
        }
    };
    // Focus moves into the composer when the panel opens: on the next frame, as a panel whose
    // chunk arrived late is built before it is attached.
    Effect::new(move |_| {
        if let Some(c) = composer.get() {
            request_animation_frame(move || {
                let _ = c.focus();
            });
        }
    });

    let fail = move |e: ClientError, retry: Option<Retry>| {
        if e == ClientError::Unauthorized {
            auth.refetch();
        }
        chat.error
            .set(Some(PanelError::from_client(&e, i18n, retry)));
    };

    // Load the remembered thread once per thread id.
    Effect::new(move |_| {
        let Some(id) = chat.thread_id.get() else {
            return;
        };
        if chat.loaded_for.get_untracked().as_deref() == Some(id.as_str()) {
            return;
        }
        chat.loaded_for.set(Some(id.clone()));
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::GetThread(ThreadIdParams {
                thread_id: id.clone(),
            });
            match client::request_json::<Thread>(&token, &req).await {
                Ok(t) => {
                    chat.title.set(t.title.clone());
                    chat.items.set(t.items.data);
                    // A turn may still be running (the page was reloaded mid-answer): follow it.
                    let resume = ChatKitRequest::ResumeRun(ThreadIdParams { thread_id: id });
                    if let Err(e) = chat.stream(&token, &resume).await {
                        fail(e, None);
                    }
                }
                Err(ClientError::Http { status: 404, .. }) => {
                    chat.thread_id.set(None);
                    chat.items.set(Vec::new());
                }
                Err(e) => fail(e, None),
            }
        });
    });

    let send = move || {
        let text = input.get_untracked().trim().to_string();
        let sent = drafts.get_untracked();
        if (text.is_empty() && sent.is_empty()) || chat.streaming.get_untracked() {
            return;
        }
        if sent.iter().any(|d| !d.ready) {
            chat.error
                .set(Some(PanelError::text(i18n.t(Key::WaitUploads))));
            return;
        }
        let Some(token) = api_token() else {
            return fail(ClientError::Unauthorized, Some(Retry::Send));
        };
        input.set(String::new());
        drafts.set(Vec::new());
        editing.set(false);
        chat.streaming.set(true);
        let message = UserMessageInput {
            attachments: sent.iter().map(|d| d.attachment.id.clone()).collect(),
            ..UserMessageInput::text(text.clone())
        };
        let req = match chat.thread_id.get_untracked() {
            Some(thread_id) => ChatKitRequest::AddUserMessage(AddUserMessageParams {
                thread_id,
                input: message,
            }),
            None => ChatKitRequest::CreateThread(CreateThreadParams { input: message }),
        };
        let before = chat.items.with_untracked(Vec::len);
        spawn_local(async move {
            if let Err(e) = chat.stream(&token, &req).await {
                if chat.grew_past(before) {
                    // The message was taken; only its answer failed.
                    fail(e, Some(Retry::LastAnswer));
                } else {
                    // Nothing reached the server: the words go back to the composer.
                    if input.get_untracked().is_empty() {
                        input.set(text);
                    }
                    drafts.set(sent);
                    fail(e, Some(Retry::Send));
                }
            }
        });
    };

    // Retry the last answer: the items after the last user message go, and a new answer comes.
    let retry_last = move || {
        if chat.streaming.get_untracked() {
            return;
        }
        let (Some(thread_id), Some(token)) = (chat.thread_id.get_untracked(), api_token()) else {
            return fail(ClientError::Unauthorized, Some(Retry::LastAnswer));
        };
        let Some(item_id) = chat.items.with_untracked(|items| {
            items
                .iter()
                .rev()
                .find(|i| matches!(i.kind, ItemKind::UserMessage { .. }))
                .map(|i| i.id.clone())
        }) else {
            return;
        };
        chat.items.update(|items| {
            if let Some(at) = items.iter().position(|i| i.id == item_id) {
                items.truncate(at + 1);
            }
        });
        chat.streaming.set(true);
        let req = ChatKitRequest::RetryAfterItem(ThreadItemParams { thread_id, item_id });
        spawn_local(async move {
            if let Err(e) = chat.stream(&token, &req).await {
                fail(e, Some(Retry::LastAnswer));
            }
        });
    };

    let new_chat = move || {
        chat.thread_id.set(None);
        chat.loaded_for.set(None);
        chat.items.set(Vec::new());
        chat.title.set(None);
        chat.error.set(None);
        chat.cut_off.set(None);
        editing.set(false);
        chat.view.set(PanelView::Chat);
    };

    // The slash menu: open while the text calls up commands and Escape has not closed it.
    let menu_dismissed = RwSignal::new(false);
    let menu_index = RwSignal::new(0usize);
    let menu = Memo::new(move |_| input.with(|i| matching_commands(i)));
    let menu_open = move || !menu_dismissed.get() && menu.with(|m| !m.is_empty());
    let run_command = move |command: Command| {
        menu_dismissed.set(false);
        match command {
            Command::Say(key) => {
                input.set(i18n.t(key).to_string());
                send();
            }
            Command::NewChat => {
                input.set(String::new());
                new_chat();
            }
        }
        focus_composer();
    };
    let send_on_enter = use_ime_enter(send);
    let composer_keys = move |ev: leptos::ev::KeyboardEvent| {
        if !menu_open() || ev.is_composing() {
            return send_on_enter(ev);
        }
        let count = menu.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => menu_index.update(|i| *i = (*i + 1) % count),
            "ArrowUp" => menu_index.update(|i| *i = (*i + count - 1) % count),
            "Enter" | "Tab" => {
                let chosen = menu.with_untracked(|m| {
                    m.get(menu_index.get_untracked().min(count - 1))
                        .map(|c| c.2)
                });
                if let Some(command) = chosen {
                    run_command(command);
                }
            }
            "Escape" => {
                // Closes the menu only, not the panel.
                ev.stop_propagation();
                menu_dismissed.set(true);
            }
            _ => return,
        }
        ev.prevent_default();
    };

    let pick_files = move |ev: leptos::ev::Event| {
        chat.error.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(picker) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let files: Vec<web_sys::File> = picker
                .files()
                .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
                .unwrap_or_default();
            // Cleared, so choosing the same file again fires `change` again.
            picker.set_value("");
            attach(files, drafts, move |e| fail(e, None));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    // A chip's ×: the attachment is deleted on the server too (the SDK client does the same).
    let remove_draft = move |id: String| {
        drafts.update(|d| d.retain(|x| x.attachment.id != id));
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::DeleteAttachment(AttachmentIdParams { attachment_id: id });
            if let Err(e) = client::request_json::<serde_json::Value>(&token, &req).await {
                fail(e, None);
            }
        });
    };

    // A widget's button, checkbox or form: `threads.custom_action` with the widget as sender.
    let send_action = Callback::new(move |(item_id, fired): (String, FiredAction)| {
        if chat.streaming.get_untracked() {
            return;
        }
        let (Some(thread_id), Some(token)) = (chat.thread_id.get_untracked(), api_token()) else {
            return;
        };
        chat.streaming.set(true);
        chat.busy
            .set(fired.loading.map(|path| (item_id.clone(), path)));
        let req = ChatKitRequest::CustomAction(CustomActionParams {
            thread_id,
            item_id: Some(item_id),
            action: fired.action,
        });
        spawn_local(async move {
            let result = chat.stream(&token, &req).await;
            chat.busy.set(None);
            if let Err(e) = result {
                fail(e, None);
            }
        });
    });

    // Thumbs up/down: `items.feedback`, shown pressed once given.
    let give_feedback = Callback::new(move |(item_id, kind): (String, FeedbackKind)| {
        let (Some(thread_id), Some(token)) = (chat.thread_id.get_untracked(), api_token()) else {
            return;
        };
        chat.feedback.update(|f| {
            f.retain(|(id, _)| *id != item_id);
            f.push((item_id.clone(), kind.clone()));
        });
        spawn_local(async move {
            let req = ChatKitRequest::Feedback(FeedbackParams {
                thread_id,
                item_ids: vec![item_id],
                kind,
            });
            if let Err(e) = client::request_json::<serde_json::Value>(&token, &req).await {
                fail(e, None);
            }
        });
    });

    // Edit the last user message: its words go back to the composer, to change and send.
    let edit_last = Callback::new(move |text: String| {
        input.set(text);
        editing.set(true);
        focus_composer();
    });

    // Stop the answer in flight; what was written so far stays.
    let stop = move |_| {
        let (Some(thread_id), Some(token)) = (chat.thread_id.get_untracked(), api_token()) else {
            return;
        };
        spawn_local(async move {
            let req = ChatKitRequest::CancelRun(ThreadIdParams { thread_id });
            if let Err(e) = client::request_json::<serde_json::Value>(&token, &req).await {
                fail(e, None);
            }
        });
    };

    let show_history = move |_| {
        chat.view.set(PanelView::History);
        chat.threads.set(Vec::new());
        chat.threads_after.set(None);
        load_threads(chat, None);
    };

    let actions = Actions {
        send_action,
        feedback: give_feedback,
        retry: Callback::new(move |_: ()| retry_last()),
        edit: edit_last,
    };
    let say = move |key: Key| {
        input.set(i18n.t(key).to_string());
        send();
    };
    let name = match use_auth().session_untracked() {
        Some(Ok(Some(s))) => s.name.filter(|n| !n.trim().is_empty()),
        _ => None,
    };
    let greeting = Signal::derive(move || match &name {
        Some(n) => i18n.fill(Key::HelloName, "{name}", n),
        None => i18n.t(Key::Hello).to_string(),
    });
    // "Thinking…" from the request until the first words (or a widget) of its answer.
    let thinking = move || {
        chat.streaming.get()
            && chat.progress.with(Option::is_none)
            && chat.items.with(|items| {
                !items
                    .get(chat.turn_start.get()..)
                    .unwrap_or_default()
                    .iter()
                    .any(|i| match i.kind {
                        ItemKind::AssistantMessage { .. } => {
                            i.assistant_text().is_some_and(|t| !t.is_empty())
                        }
                        ItemKind::Widget { .. } => true,
                        _ => false,
                    })
            })
    };

    view! {
        <aside class="chat-panel" role="dialog" aria-label=move || i18n.t(Key::Chat)
            on:keydown=move |ev| if ev.key() == "Escape" { on_close() }>
            <header class="chat-header">
                <h2 class="chat-title" dir="auto">{move || chat.title.get().unwrap_or_else(|| i18n.t(Key::NewChat).into())}</h2>
                <button class="icon" title=move || i18n.t(Key::NewChat) aria-label=move || i18n.t(Key::NewChat) on:click=move |_| new_chat()>{icon(Icon::Plus)}</button>
                <button class="icon" title=move || i18n.t(Key::History) aria-label=move || i18n.t(Key::History) on:click=show_history>{icon(Icon::History)}</button>
                <button class="icon lang" title=move || i18n.t(Key::Language) aria-label=move || i18n.t(Key::Language)
                    on:click=move |_| i18n.choose(match i18n.locale.get_untracked() { Locale::En => Locale::Ur, Locale::Ur => Locale::En })>
                    {icon(Icon::Language)}
                </button>
                <ThemeToggle/>
                <button class="icon" title=move || i18n.t(Key::CloseChat) aria-label=move || i18n.t(Key::CloseChat) on:click=move |_| on_close()>{icon(Icon::Close)}</button>
            </header>
            <Show when=move || chat.view.get() == PanelView::History fallback=move || view! {
                <div class="chat-messages" node_ref=scroll.list on:scroll=move |_| scroll.on_scroll()>
                    <Show when=move || chat.items.with(Vec::is_empty) && chat.thread_id.with(Option::is_none)>
                        <div class="chat-start">
                            <h3 class="chat-greeting" dir="auto">{greeting}</h3>
                            <p class="chat-empty">{move || i18n.t(Key::StartHint)}</p>
                            <div class="prompt-chips" role="group" aria-label=move || i18n.t(Key::Suggestions)>
                                {[Key::ChipTasks, Key::ChipToday, Key::ChipOverdue, Key::ChipLeft].into_iter().map(|key| view! {
                                    <button type="button" class="prompt-chip" dir="auto" on:click=move |_| say(key)>{move || i18n.t(key)}</button>
                                }).collect_view()}
                            </div>
                        </div>
                    </Show>
                    {move || {
                        let items = chat.items.get();
                        let streaming = chat.streaming.get();
                        let last_user = items.iter().rposition(|i| matches!(i.kind, ItemKind::UserMessage { .. }));
                        let last_answer = items.iter().rposition(|i| matches!(i.kind, ItemKind::AssistantMessage { .. }));
                        let last = items.len().checked_sub(1);
                        items.into_iter().enumerate().filter(|(_, i)| !i.is_hidden()).map(|(n, item)| {
                            let place = Place {
                                last_user: Some(n) == last_user && !streaming,
                                last_answer: Some(n) == last_answer && last_user.is_some_and(|u| n > u) && !streaming,
                                live: streaming && Some(n) == last_answer && Some(n) == last,
                            };
                            render_item(item, chat, actions, place)
                        }).collect_view()
                    }}
                    <Show when=thinking>
                        <p class="chat-thinking" role="status"><span class="dots" aria-hidden="true"></span>{move || i18n.t(Key::Thinking)}</p>
                    </Show>
                    <Show when=move || chat.progress.get().is_some()>
                        <p class="chat-progress" dir="auto">{move || chat.progress.get()}</p>
                    </Show>
                </div>
                <Show when=move || !scroll.pinned.get()>
                    <button type="button" class="jump-latest" aria-label=move || i18n.t(Key::JumpToLatest)
                        title=move || i18n.t(Key::JumpToLatest) on:click=move |_| scroll.jump()>{icon(Icon::ArrowDown)}</button>
                </Show>
            }>
                <HistoryList chat=chat/>
            </Show>
            <div class="sr-only" aria-live="polite" role="status">{move || chat.announce.get()}</div>
            {move || chat.error.get().map(|e| view! {
                <div class="chat-error" role="alert">
                    <span dir="auto">{e.text.clone()}</span>
                    {e.sign_in.then(|| view! {
                        <a class="chat-error-action" href=sign_in_url(&current_path())>{i18n.t(Key::SignInAgain)}</a>
                    })}
                    {e.retry.map(|retry| view! {
                        <button type="button" class="chat-error-action" on:click=move |_| match retry {
                            Retry::Send => send(),
                            Retry::LastAnswer => retry_last(),
                        }>{icon(Icon::Retry)}{i18n.t(Key::Retry)}</button>
                    })}
                </div>
            })}
            <Show when=move || editing.get()>
                <p class="chat-editing">
                    <span>{move || i18n.t(Key::Editing)}</span>
                    <button type="button" class="link" on:click=move |_| { editing.set(false); input.set(String::new()); }>{move || i18n.t(Key::Cancel)}</button>
                </p>
            </Show>
            <Show when=move || drafts.with(|d| !d.is_empty())>
                <ul class="chat-drafts" aria-label=move || i18n.t(Key::Attachments)>
                    {move || drafts.get().into_iter().map(|d| draft_chip(d, remove_draft, i18n)).collect_view()}
                </ul>
            </Show>
            <Show when=menu_open>
                <ul class="slash-menu" id="slash-menu" role="listbox" aria-label=move || i18n.t(Key::Commands)>
                    {move || menu.get().into_iter().enumerate().map(|(n, (name, label, command))| view! {
                        <li role="option" id=format!("slash-{n}") class="slash-item"
                            aria-selected=move || (menu_index.get().min(menu.with(|m| m.len().saturating_sub(1))) == n).to_string()
                            on:mousedown=move |ev| { ev.prevent_default(); run_command(command); }>
                            <code>{name}</code>" "<span>{move || i18n.t(label)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
            <form class="chat-input" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <input type="file" hidden multiple accept=allowed_list() node_ref=file_ref on:change=pick_files/>
                <button
                    type="button"
                    class="icon"
                    title=move || i18n.t(Key::Attach)
                    aria-label=move || i18n.t(Key::Attach)
                    on:click=move |_| {
                        if let Some(picker) = file_ref.get() {
                            picker.click();
                        }
                    }
                >{icon(Icon::Paperclip)}</button>
                <textarea
                    rows="1"
                    dir="auto"
                    node_ref=composer
                    placeholder=move || i18n.t(Key::Message)
                    aria-label=move || i18n.t(Key::Message)
                    aria-controls="slash-menu"
                    aria-expanded=move || menu_open().to_string()
                    aria-activedescendant=move || menu_open().then(|| format!("slash-{}", menu_index.get()))
                    maxlength="16000"
                    prop:value=move || input.get()
                    on:input=move |ev| {
                        input.set(event_target_value(&ev));
                        menu_dismissed.set(false);
                        menu_index.set(0);
                    }
                    on:keydown=composer_keys
                ></textarea>
                <speech::SpeechButton
                    token=api_token
                    // Spoken words join what is already typed, for the user to check and send.
                    on_text=Callback::new(move |text: String| input.update(|i| {
                        if !i.trim().is_empty() {
                            i.push(' ');
                        }
                        i.push_str(&text);
                    }))
                    on_error=Callback::new(move |e: String| chat.error.set(Some(PanelError::text(e))))
                />
                <Show when=move || chat.streaming.get()>
                    <button type="button" class="icon stop" title=move || i18n.t(Key::Stop) aria-label=move || i18n.t(Key::Stop) on:click=stop>{icon(Icon::Stop)}</button>
                </Show>
                <button type="submit" class="primary send" title=move || i18n.t(Key::Send) aria-label=move || i18n.t(Key::Send)
                    disabled=move || chat.streaming.get() || uploading()>{icon(Icon::Send)}</button>
            </form>
        </aside>
    }
}

/// The page's path and query, to come back to after signing in.
fn current_path() -> String {
    #[cfg(feature = "hydrate")]
    {
        let l = window().location();
        format!(
            "{}{}",
            l.pathname().unwrap_or_default(),
            l.search().unwrap_or_default()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    "/".to_string()
}

/// A composer chip: thumbnail (images, once uploaded), name, and × to remove.
fn draft_chip(draft: Draft, remove: impl Fn(String) + Copy + 'static, i18n: I18n) -> impl IntoView {
    let Draft { attachment, ready } = draft;
    let thumb = match (&attachment.kind, ready) {
        (AttachmentKind::Image { preview_url }, true) => {
            Some(view! { <img class="chip-thumb" src=preview_url.clone() alt=""/> })
        }
        _ => None,
    };
    let id = attachment.id.clone();
    let name = attachment.name.clone();
    view! {
        <li class="chip" data-ready=ready.to_string() title=name.clone()>
            {thumb}
            <span class="chip-name" dir="auto">{name.clone()}</span>
            {(!ready).then(|| view! { <span class="chip-status">{i18n.t(Key::Uploading)}</span> })}
            <button
                type="button"
                class="icon chip-remove"
                aria-label=i18n.fill(Key::Remove, "{name}", &name)
                disabled=!ready
                on:click=move |_| remove(id.clone())
            >{icon(Icon::Close)}</button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chatkit::widgets::{Card, Text};
    use chrono::Utc;

    fn chat() -> Chat {
        Chat::new(
            RwSignal::new(Some("thr_1".into())),
            I18n {
                locale: RwSignal::new(Locale::En),
            },
        )
    }

    fn widget_item(root: Card) -> ThreadItem {
        ThreadItem {
            id: "msg_w".into(),
            thread_id: "thr_1".into(),
            created_at: Utc::now(),
            kind: ItemKind::Widget {
                widget: root.into(),
                copy_text: None,
            },
        }
    }

    fn shown_widget(chat: Chat) -> serde_json::Value {
        chat.items.with_untracked(|items| match &items[..] {
            [ThreadItem {
                kind: ItemKind::Widget { widget, .. },
                ..
            }] => widget.clone(),
            other => panic!("expected one widget item, got {other:?}"),
        })
    }

    #[test]
    fn a_slash_calls_up_the_commands_it_starts() {
        let names = |input: &str| {
            matching_commands(input)
                .into_iter()
                .map(|c| c.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("/"), ["/today", "/overdue", "/tasks", "/new"]);
        assert_eq!(names("/t"), ["/today", "/tasks"]);
        assert_eq!(names("/TO"), ["/today"]);
        assert!(names("/today please").is_empty());
        assert!(names("today").is_empty());
        assert!(names("/x").is_empty());
    }

    #[test]
    fn widget_events_from_an_action_update_the_widget_in_place() {
        Owner::new().with(|| {
            let chat = chat();
            chat.apply(ThreadStreamEvent::ItemDone {
                item: widget_item(Card::new().child(Text::new("Buy milk").id("t1"))),
            });
            chat.apply(ThreadStreamEvent::ItemUpdated {
                item_id: "msg_w".into(),
                update: ItemUpdate::WidgetComponentUpdated {
                    component_id: "t1".into(),
                    component: Text::new("Buy milk").id("t1").line_through(true).into(),
                },
            });
            assert_eq!(shown_widget(chat)["children"][0]["lineThrough"], true);

            chat.apply(ThreadStreamEvent::ItemUpdated {
                item_id: "msg_w".into(),
                update: ItemUpdate::WidgetRootUpdated {
                    widget: Card::new().child(Text::new("All done")).into(),
                },
            });
            assert_eq!(shown_widget(chat)["children"][0]["value"], "All done");

            chat.apply(ThreadStreamEvent::ItemReplaced {
                item: widget_item(Card::new().child(Text::new("Replaced"))),
            });
            assert_eq!(shown_widget(chat)["children"][0]["value"], "Replaced");
        });
    }
}
