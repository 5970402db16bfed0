//! The chat: a floating button on every signed-in page and the panel it opens (400 px on
//! desktop, full screen on phones). It speaks ChatKit to `/api/chatkit` (attachments by two-phase
//! upload) and keeps the current thread id in localStorage so a reload reopens the conversation.

pub mod client;
pub mod speech;
pub mod widget;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::attachments::{allowed_list, preview_path};
use crate::auth::use_auth;
use crate::chatkit::types::*;
use crate::components::markdown::Markdown;
use crate::hooks::use_auto_scroll::use_auto_scroll;
use crate::hooks::use_ime_enter::use_ime_enter;
use crate::hooks::use_local_storage::use_local_storage;
use client::ClientError;
use widget::{FiredAction, WidgetView};

#[derive(Clone, Copy, PartialEq)]
enum PanelView {
    Chat,
    History,
}

/// Everything the panel shows, as signals.
#[derive(Clone, Copy)]
struct Chat {
    thread_id: RwSignal<Option<String>>,
    title: RwSignal<Option<String>>,
    items: RwSignal<Vec<ThreadItem>>,
    streaming: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    progress: RwSignal<Option<String>>,
    threads: RwSignal<Vec<Thread>>,
    view: RwSignal<PanelView>,
    loaded_for: RwSignal<Option<String>>,
    /// The widget node showing a running action: (item id, node path).
    busy: RwSignal<Option<(String, String)>>,
}

impl Chat {
    /// An empty panel on `thread_id` (the remembered thread, if any).
    fn new(thread_id: RwSignal<Option<String>>) -> Self {
        Chat {
            thread_id,
            title: RwSignal::new(None),
            items: RwSignal::new(Vec::new()),
            streaming: RwSignal::new(false),
            error: RwSignal::new(None),
            progress: RwSignal::new(None),
            threads: RwSignal::new(Vec::new()),
            view: RwSignal::new(PanelView::Chat),
            loaded_for: RwSignal::new(None),
            busy: RwSignal::new(None),
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
            ThreadStreamEvent::Error { message, .. } => self.error.set(Some(
                message.unwrap_or_else(|| "Something went wrong. Please try again.".into()),
            )),
            ThreadStreamEvent::Notice { message, .. } => self.error.set(Some(message)),
            ThreadStreamEvent::StreamOptions { .. } | ThreadStreamEvent::ClientEffect { .. } => {}
        }
    }

    /// Runs one streamed request (a message or a widget action), applying its events.
    async fn stream(self, token: &str, req: &ChatKitRequest) -> Result<(), ClientError> {
        self.error.set(None);
        self.streaming.set(true);
        let result = client::request_stream(token, req, move |ev| self.apply(ev)).await;
        self.streaming.set(false);
        self.progress.set(None);
        result
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

#[component]
pub fn ChatLauncher() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            class="chat-launcher"
            aria-label="Open chat"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || if open.get() { "×" } else { "💬" }}
        </button>
        <Show when=move || open.get()>
            <ChatPanel on_close=move || open.set(false)/>
        </Show>
    }
}

#[component]
fn ChatPanel(on_close: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let auth = use_auth();
    let stored = use_local_storage("todokit.thread");
    let chat = Chat::new(stored);
    let input = RwSignal::new(String::new());
    let drafts = RwSignal::new(Vec::<Draft>::new());
    let uploading = move || drafts.with(|d| d.iter().any(|x| !x.ready));
    // Keep the newest message in view.
    let list_ref = use_auto_scroll(chat.items);
    let file_ref = NodeRef::<html::Input>::new();

    let fail = move |e: ClientError| {
        if e == ClientError::Unauthorized {
            auth.refetch();
        }
        chat.error.set(Some(e.to_string()));
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
                        fail(e);
                    }
                }
                Err(ClientError::Http { status: 404, .. }) => {
                    chat.thread_id.set(None);
                    chat.items.set(Vec::new());
                }
                Err(e) => fail(e),
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
                .set(Some("Please wait until the files are uploaded.".into()));
            return;
        }
        let Some(token) = api_token() else {
            chat.error.set(Some("Please sign in again.".into()));
            return;
        };
        input.set(String::new());
        drafts.set(Vec::new());
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
        spawn_local(async move {
            if let Err(e) = chat.stream(&token, &req).await {
                input.set(text);
                drafts.set(sent);
                fail(e);
            }
        });
    };
    let send_on_enter = use_ime_enter(send);

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
            attach(files, drafts, fail);
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
                fail(e);
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
                fail(e);
            }
        });
    });

    // Stop the answer in flight; what was written so far stays.
    let stop = move |_| {
        let (Some(thread_id), Some(token)) = (chat.thread_id.get_untracked(), api_token()) else {
            return;
        };
        spawn_local(async move {
            let req = ChatKitRequest::CancelRun(ThreadIdParams { thread_id });
            if let Err(e) = client::request_json::<serde_json::Value>(&token, &req).await {
                fail(e);
            }
        });
    };

    let new_chat = move |_| {
        chat.thread_id.set(None);
        chat.loaded_for.set(None);
        chat.items.set(Vec::new());
        chat.title.set(None);
        chat.error.set(None);
        chat.view.set(PanelView::Chat);
    };

    let show_history = move |_| {
        chat.view.set(PanelView::History);
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::ListThreads(ListParams {
                limit: Some(50),
                ..Default::default()
            });
            match client::request_json::<Page<Thread>>(&token, &req).await {
                Ok(page) => chat.threads.set(page.data),
                Err(e) => fail(e),
            }
        });
    };

    view! {
        <aside class="chat-panel" role="dialog" aria-label="Chat">
            <header class="chat-header">
                <h2 class="chat-title">{move || chat.title.get().unwrap_or_else(|| "New chat".into())}</h2>
                <button class="icon" title="New chat" aria-label="New chat" on:click=new_chat>"+"</button>
                <button class="icon" title="History" aria-label="History" on:click=show_history>"☰"</button>
                <button class="icon" title="Close" aria-label="Close chat" on:click=move |_| on_close()>"×"</button>
            </header>
            <Show when=move || chat.view.get() == PanelView::History fallback=move || view! {
                <div class="chat-messages" node_ref=list_ref aria-live="polite">
                    <Show when=move || chat.items.with(Vec::is_empty)>
                        <p class="chat-empty">"Ask me to add, list, complete or delete tasks."</p>
                    </Show>
                    {move || chat.items.get().into_iter().filter(|i| !i.is_hidden()).map(|i| render_item(i, chat, send_action)).collect_view()}
                    <Show when=move || chat.progress.get().is_some()>
                        <p class="chat-progress">{move || chat.progress.get()}</p>
                    </Show>
                </div>
            }>
                <HistoryList chat=chat/>
            </Show>
            <Show when=move || chat.error.get().is_some()>
                <p class="chat-error" role="alert">{move || chat.error.get()}</p>
            </Show>
            <Show when=move || drafts.with(|d| !d.is_empty())>
                <ul class="chat-drafts" aria-label="Attachments">
                    {move || drafts.get().into_iter().map(|d| draft_chip(d, remove_draft)).collect_view()}
                </ul>
            </Show>
            <form class="chat-input" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <input type="file" hidden multiple accept=allowed_list() node_ref=file_ref on:change=pick_files/>
                <button
                    type="button"
                    class="icon"
                    title="Attach a file"
                    aria-label="Attach a file"
                    on:click=move |_| {
                        if let Some(picker) = file_ref.get() {
                            picker.click();
                        }
                    }
                >"📎"</button>
                <textarea
                    rows="1"
                    placeholder="Message"
                    aria-label="Message"
                    maxlength="16000"
                    prop:value=move || input.get()
                    on:input=move |ev| input.set(event_target_value(&ev))
                    on:keydown=send_on_enter
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
                    on_error=Callback::new(move |e: String| chat.error.set(Some(e)))
                />
                <Show when=move || chat.streaming.get()>
                    <button type="button" class="stop" on:click=stop>"Stop"</button>
                </Show>
                <button type="submit" class="primary" disabled=move || chat.streaming.get() || uploading()>"Send"</button>
            </form>
        </aside>
    }
}

#[component]
fn HistoryList(chat: Chat) -> impl IntoView {
    let open_thread = move |id: String| {
        chat.items.set(Vec::new());
        chat.loaded_for.set(None);
        chat.thread_id.set(Some(id));
        chat.view.set(PanelView::Chat);
    };
    let delete = move |id: String| {
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::DeleteThread(ThreadIdParams {
                thread_id: id.clone(),
            });
            match client::request_json::<serde_json::Value>(&token, &req).await {
                Ok(_) => {
                    chat.threads.update(|t| t.retain(|t| t.id != id));
                    if chat.thread_id.get_untracked().as_deref() == Some(id.as_str()) {
                        chat.thread_id.set(None);
                        chat.items.set(Vec::new());
                        chat.title.set(None);
                    }
                }
                Err(e) => chat.error.set(Some(e.to_string())),
            }
        });
    };
    let rename = move |id: String, title: String| {
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::UpdateThread(UpdateThreadParams {
                thread_id: id.clone(),
                title,
            });
            match client::request_json::<Thread>(&token, &req).await {
                Ok(t) => {
                    chat.threads.update(|list| {
                        if let Some(x) = list.iter_mut().find(|x| x.id == t.id) {
                            x.title = t.title.clone();
                        }
                    });
                    if chat.thread_id.get_untracked().as_deref() == Some(id.as_str()) {
                        chat.title.set(t.title);
                    }
                }
                Err(e) => chat.error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div class="chat-history">
            <Show when=move || chat.threads.with(Vec::is_empty)>
                <p class="chat-empty">"No conversations yet."</p>
            </Show>
            <ul>
                {move || chat.threads.get().into_iter().map(|t| {
                    let id = t.id.clone();
                    let (id2, id3) = (id.clone(), id.clone());
                    let title = t.title.clone().unwrap_or_else(|| "Untitled".into());
                    let editing = RwSignal::new(false);
                    let draft = RwSignal::new(title.clone());
                    view! {
                        <li class="thread-row">
                            <Show when=move || editing.get() fallback={
                                let title = title.clone();
                                let id = id.clone();
                                move || view! {
                                    <button class="link thread-open" on:click={let id = id.clone(); move |_| open_thread(id.clone())}>{title.clone()}</button>
                                }
                            }>
                                <form class="inline" on:submit={let id = id2.clone(); move |ev| {
                                    ev.prevent_default();
                                    editing.set(false);
                                    rename(id.clone(), draft.get_untracked());
                                }}>
                                    <input aria-label="Thread title" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))/>
                                </form>
                            </Show>
                            <button class="icon" title="Rename" aria-label="Rename" on:click=move |_| editing.set(true)>"✎"</button>
                            <button class="icon" title="Delete" aria-label="Delete" on:click={let id = id3.clone(); move |_| delete(id.clone())}>"🗑"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// A composer chip: thumbnail (images, once uploaded), name, and × to remove.
fn draft_chip(draft: Draft, remove: impl Fn(String) + Copy + 'static) -> impl IntoView {
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
            <span class="chip-name">{name.clone()}</span>
            {(!ready).then(|| view! { <span class="chip-status">"uploading…"</span> })}
            <button
                type="button"
                class="icon chip-remove"
                aria-label=format!("Remove {name}")
                disabled=!ready
                on:click=move |_| remove(id.clone())
            >"×"</button>
        </li>
    }
}

/// An attachment on a sent message: an image thumbnail, or the file's name as a download link.
fn attachment_link(a: &Attachment) -> AnyView {
    match &a.kind {
        AttachmentKind::Image { preview_url } => view! {
            <a class="msg-image" href=preview_url.clone() target="_blank" rel="noopener">
                <img src=preview_url.clone() alt=a.name.clone()/>
            </a>
        }
        .into_any(),
        AttachmentKind::File => view! {
            <a class="msg-file" href=preview_path(&a.id)>{format!("📄 {}", a.name)}</a>
        }
        .into_any(),
    }
}

fn render_item(
    item: ThreadItem,
    chat: Chat,
    send_action: Callback<(String, FiredAction)>,
) -> AnyView {
    match &item.kind {
        ItemKind::UserMessage { attachments, .. } => {
            let text = item.user_text().unwrap_or_default();
            let files = (!attachments.is_empty()).then(|| {
                view! { <div class="msg-attachments">{attachments.iter().map(attachment_link).collect_view()}</div> }
            });
            view! { <div class="msg user" data-item-id=item.id.clone()>{files}<p>{text}</p></div> }
                .into_any()
        }
        ItemKind::AssistantMessage { cut_off, .. } => {
            let text = item.assistant_text().unwrap_or_default();
            // A model failure ended this reply early: say so under it.
            let note = cut_off.then(|| view! { <p class="cut-off">"Reply cut off"</p> });
            view! {
                <div class="msg assistant" data-item-id=item.id.clone()>
                    <Markdown text=text/>
                    {note}
                </div>
            }
            .into_any()
        }
        ItemKind::Workflow { workflow } => {
            let badges = workflow
                .tasks
                .iter()
                .map(|t| {
                    let (title, state) = match (&t.kind, &t.status_indicator) {
                        (WorkflowTaskKind::Custom { title, .. }, s) => {
                            (title.clone().unwrap_or_default(), s.clone())
                        }
                        (_, s) => (String::new(), s.clone()),
                    };
                    let cls = match state {
                        StatusIndicator::Loading => "tool-badge loading",
                        StatusIndicator::Complete => "tool-badge complete",
                        StatusIndicator::None => "tool-badge",
                    };
                    view! { <span class=cls>{title}</span> }
                })
                .collect_view();
            view! { <div class="tool-badges" data-item-id=item.id.clone()>{badges}</div> }
                .into_any()
        }
        ItemKind::Widget { widget, .. } => {
            let id = item.id.clone();
            let busy = Signal::derive({
                let id = id.clone();
                move || {
                    chat.busy
                        .get()
                        .and_then(|(item, path)| (item == id).then_some(path))
                }
            });
            let on_action = Callback::new({
                let id = id.clone();
                move |fired: FiredAction| send_action.run((id.clone(), fired))
            });
            view! {
                <div class="msg widget" data-item-id=id>
                    <WidgetView widget=widget.clone() on_action busy locked=chat.streaming/>
                </div>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chatkit::widgets::{Card, Text};
    use chrono::Utc;

    fn chat() -> Chat {
        Chat::new(RwSignal::new(Some("thr_1".into())))
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
