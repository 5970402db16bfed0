//! One thread item as the panel shows it, with its actions (copy, thumbs, retry, edit).

use super::*;

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
            <a class="msg-file" href=preview_path(&a.id)>{icon(Icon::File)}<bdi>{a.name.clone()}</bdi></a>
        }
        .into_any(),
    }
}

/// What a message can do, handed to each rendered item.
#[derive(Clone, Copy)]
pub(super) struct Actions {
    pub(super) send_action: Callback<(String, FiredAction)>,
    pub(super) feedback: Callback<(String, FeedbackKind)>,
    pub(super) retry: Callback<()>,
    pub(super) edit: Callback<String>,
}

/// Where an item stands: the last user message (editable), the last answer (retryable), the
/// answer being written (rendered without half-written markup, no actions yet).
#[derive(Clone, Copy, Default)]
pub(super) struct Place {
    pub(super) last_user: bool,
    pub(super) last_answer: bool,
    pub(super) live: bool,
}

/// Copy, thumbs up/down and (on the last answer) retry, under an assistant message.
pub(super) fn message_actions(
    item_id: String,
    text: String,
    chat: Chat,
    actions: Actions,
    last: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let given = {
        let id = item_id.clone();
        move |kind: FeedbackKind| {
            chat.feedback
                .with(|f| f.iter().any(|(i, k)| *i == id && *k == kind))
        }
    };
    let (up, down) = (given.clone(), given);
    let (id_up, id_down) = (item_id.clone(), item_id);
    view! {
        <div class="msg-actions" role="group" aria-label=move || i18n.t(Key::MessageActions)>
            <button type="button" class="icon" aria-label=move || if copied.get() { i18n.t(Key::Copied) } else { i18n.t(Key::Copy) }
                title=move || i18n.t(Key::Copy)
                on:click=move |_| { copy_to_clipboard(&text); copied.set(true); }>
                {move || if copied.get() { icon(Icon::Check).into_any() } else { icon(Icon::Copy).into_any() }}
            </button>
            <button type="button" class="icon" aria-label=move || i18n.t(Key::GoodAnswer) title=move || i18n.t(Key::GoodAnswer)
                aria-pressed=move || up(FeedbackKind::Positive).to_string()
                on:click=move |_| actions.feedback.run((id_up.clone(), FeedbackKind::Positive))>{icon(Icon::ThumbUp)}</button>
            <button type="button" class="icon" aria-label=move || i18n.t(Key::BadAnswer) title=move || i18n.t(Key::BadAnswer)
                aria-pressed=move || down(FeedbackKind::Negative).to_string()
                on:click=move |_| actions.feedback.run((id_down.clone(), FeedbackKind::Negative))>{icon(Icon::ThumbDown)}</button>
            {last.then(|| view! {
                <button type="button" class="icon" aria-label=move || i18n.t(Key::Retry) title=move || i18n.t(Key::Retry)
                    on:click=move |_| actions.retry.run(())>{icon(Icon::Retry)}</button>
            })}
        </div>
    }
}

pub(super) fn render_item(item: ThreadItem, chat: Chat, actions: Actions, place: Place) -> AnyView {
    let i18n = use_i18n();
    match &item.kind {
        ItemKind::UserMessage { attachments, .. } => {
            let text = item.user_text().unwrap_or_default();
            let files = (!attachments.is_empty()).then(|| {
                view! { <div class="msg-attachments">{attachments.iter().map(attachment_link).collect_view()}</div> }
            });
            let edit = place.last_user.then(|| {
                let text = text.clone();
                view! {
                    <button type="button" class="icon msg-edit" aria-label=move || i18n.t(Key::Edit) title=move || i18n.t(Key::Edit)
                        on:click=move |_| actions.edit.run(text.clone())>{icon(Icon::Edit)}</button>
                }
            });
            view! {
                <div class="msg-row user">
                    {edit}
                    <div class="msg user" dir="auto" data-item-id=item.id.clone()>{files}<p>{text}</p></div>
                </div>
            }
            .into_any()
        }
        ItemKind::AssistantMessage { cut_off, .. } => {
            let text = item.assistant_text().unwrap_or_default();
            let id = item.id.clone();
            // Cut off: saved so by a model failure, or this turn's own stream broke.
            let saved_cut = *cut_off;
            let cut = {
                let id = id.clone();
                move || saved_cut || chat.cut_off.get().as_deref() == Some(id.as_str())
            };
            let tools = (!place.live).then(|| {
                message_actions(id.clone(), text.clone(), chat, actions, place.last_answer)
            });
            view! {
                <div class="msg assistant" dir="auto" data-item-id=id>
                    <Markdown text=text streaming=place.live/>
                    <Show when=cut.clone()>
                        <p class="msg-cut">{move || i18n.t(Key::CutOff)}</p>
                    </Show>
                    {tools}
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
                    view! { <span class=cls dir="auto">{title}</span> }
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
                move |fired: FiredAction| actions.send_action.run((id.clone(), fired))
            });
            view! {
                <div class="msg widget" dir="auto" data-item-id=id>
                    <WidgetView widget=widget.clone() on_action busy locked=chat.streaming/>
                </div>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}
