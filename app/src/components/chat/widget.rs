//! A ChatKit widget (the JSON tree of a `widget` item) as HTML in the chat panel. Every string
//! becomes a text node or an escaped attribute, Markdown goes through our safe renderer, style
//! tokens become `data-*` attributes that `style/main.css` knows (the CSP forbids inline styles),
//! and components we do not know render as nothing.

use leptos::prelude::*;
use serde_json::Value;

use crate::chatkit::types::Action;
use crate::components::markdown::{safe_url, Markdown};

/// The path of the widget's root node; a child's path is its parent's plus `.index`.
pub const ROOT: &str = "r";

/// A server-handled action fired by a widget, and the node that shows it is loading
/// (`loadingBehavior`: the component itself, the whole widget, or none).
#[derive(Clone, Debug, PartialEq)]
pub struct FiredAction {
    pub action: Action,
    pub loading: Option<String>,
}

/// What every node needs: where to send actions, which node is loading, whether controls are
/// locked (a turn is running).
#[derive(Clone, Copy)]
struct Ctx {
    fire: Callback<FiredAction>,
    busy: Signal<Option<String>>,
    locked: Signal<bool>,
}

impl Ctx {
    fn is_busy(self, path: &str) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
        let (busy, path) = (self.busy, path.to_string());
        move || (busy.get().as_deref() == Some(path.as_str())).then_some("true")
    }
}

#[component]
pub fn WidgetView(
    widget: Value,
    /// Receives actions whose handler is the server (client-handled actions are ignored: this
    /// page registers no client handlers).
    on_action: Callback<FiredAction>,
    /// The path of the node showing a running action, if it is in this widget.
    #[prop(into)]
    busy: Signal<Option<String>>,
    #[prop(into)] locked: Signal<bool>,
) -> impl IntoView {
    let cx = Ctx {
        fire: on_action,
        busy,
        locked,
    };
    view! { <div class="wg" aria-busy=cx.is_busy(ROOT)>{node(&widget, ROOT, cx)}</div> }
}

/// The action a widget prop describes, unless it is handled on the client.
fn fired(config: Option<&Value>, path: &str) -> Option<FiredAction> {
    let config = config?;
    let kind = config.get("type")?.as_str()?.to_string();
    if config.get("handler").and_then(Value::as_str) == Some("client") {
        return None;
    }
    let loading = match config.get("loadingBehavior").and_then(Value::as_str) {
        Some("none") => None,
        Some("container") => Some(ROOT.to_string()),
        _ => Some(path.to_string()),
    };
    Some(FiredAction {
        action: Action {
            kind,
            payload: config.get("payload").cloned().unwrap_or(Value::Null),
        },
        loading,
    })
}

/// A string prop (tokens and text); objects such as `{light, dark}` colours are ignored.
fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A numeric spacing prop as a CSS bucket 0–8 (`data-gap="2"`); CSS strings are ignored.
fn spacing(v: &Value, key: &str) -> Option<String> {
    let n = v.get(key)?.as_f64()?;
    Some(n.round().clamp(0.0, 8.0).to_string())
}

fn children(v: &Value) -> Vec<&Value> {
    match v.get("children") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(child @ Value::Object(_)) => vec![child],
        _ => Vec::new(),
    }
}

fn child_views(v: &Value, path: &str, cx: Ctx) -> AnyView {
    children(v)
        .into_iter()
        .enumerate()
        .map(|(i, c)| node(c, &format!("{path}.{i}"), cx))
        .collect_view()
        .into_any()
}

fn node(v: &Value, path: &str, cx: Ctx) -> AnyView {
    match v.get("type").and_then(Value::as_str).unwrap_or_default() {
        "Card" => card(v, path, cx),
        "ListView" => list_view(v, path, cx),
        "ListViewItem" => list_item(v, path, cx),
        "Box" | "Row" | "Col" | "Form" => layout(v, path, cx),
        "Basic" | "Transition" => child_views(v, path, cx),
        "Text" => view! {
            <p class="wg-text" data-size=text(v, "size") data-weight=text(v, "weight")
                data-color=text(v, "color") data-align=text(v, "textAlign")
                data-italic=flag(v, "italic").then_some("true")
                data-line-through=flag(v, "lineThrough").then_some("true")
                data-truncate=flag(v, "truncate").then_some("true")>{text(v, "value")}</p>
        }
        .into_any(),
        "Title" => view! {
            <h3 class="wg-title" data-size=text(v, "size") data-weight=text(v, "weight")
                data-color=text(v, "color") data-align=text(v, "textAlign")>{text(v, "value")}</h3>
        }
        .into_any(),
        "Caption" => view! {
            <p class="wg-caption" data-size=text(v, "size") data-weight=text(v, "weight")
                data-color=text(v, "color") data-align=text(v, "textAlign")>{text(v, "value")}</p>
        }
        .into_any(),
        "Markdown" => {
            let value = text(v, "value").unwrap_or_default();
            view! { <div class="wg-markdown"><Markdown text=value/></div> }.into_any()
        }
        "Badge" => view! {
            <span class="wg-badge" data-color=text(v, "color") data-variant=text(v, "variant")
                data-pill=flag(v, "pill").then_some("true")>{text(v, "label")}</span>
        }
        .into_any(),
        "Button" => button(v, path, cx),
        "Checkbox" => checkbox(v, path, cx),
        "Divider" => {
            view! { <hr class="wg-divider" data-flush=flag(v, "flush").then_some("true")/> }
                .into_any()
        }
        "Spacer" => view! { <div class="wg-spacer"></div> }.into_any(),
        "Table" => view! {
            <div class="wg-table-wrap"><table class="wg-table"><tbody>{child_views(v, path, cx)}</tbody></table></div>
        }
        .into_any(),
        "Table.Row" | "TableRow" => view! {
            <tr data-header=flag(v, "header").then_some("true")>{child_views(v, path, cx)}</tr>
        }
        .into_any(),
        "Table.Cell" | "TableCell" => view! {
            <td data-align=text(v, "align")>{child_views(v, path, cx)}{text(v, "value")}</td>
        }
        .into_any(),
        "Icon" => icon(text(v, "name")).into_any(),
        "Image" => image(v),
        _ => ().into_any(),
    }
}

fn status(v: &Value) -> Option<impl IntoView> {
    let s = v.get("status")?;
    let label = text(s, "text")?;
    Some(view! { <div class="wg-status">{icon(text(s, "icon"))}<span>{label}</span></div> })
}

fn card(v: &Value, path: &str, cx: Ctx) -> AnyView {
    let footer_button = |key: &str, class: &'static str| {
        let config = v.get(key)?;
        let label = text(config, "label")?;
        let fired = fired(config.get("action"), &format!("{path}.{key}"));
        Some(action_button(label, class, fired, cx))
    };
    let confirm = footer_button("confirm", "wg-button primary");
    let cancel = footer_button("cancel", "wg-button");
    let has_footer = confirm.is_some() || cancel.is_some();
    // `collapsed`: the card's main action is done; only its status stays visible.
    let body = (!flag(v, "collapsed")).then(|| child_views(v, path, cx));
    view! {
        <div class="wg-card" data-size=text(v, "size")>
            {status(v)}
            {body}
            {has_footer.then(|| view! { <div class="wg-card-footer">{cancel}{confirm}</div> })}
        </div>
    }
    .into_any()
}

fn action_button(
    label: String,
    class: &'static str,
    fired: Option<FiredAction>,
    cx: Ctx,
) -> impl IntoView {
    let busy = fired
        .as_ref()
        .and_then(|f| f.loading.clone())
        .unwrap_or_default();
    view! {
        <button type="button" class=class aria-busy=cx.is_busy(&busy)
            disabled=move || cx.locked.get()
            on:click=move |ev| {
                ev.stop_propagation();
                if let Some(f) = fired.clone() {
                    cx.fire.run(f);
                }
            }>{label}</button>
    }
}

fn list_view(v: &Value, path: &str, cx: Ctx) -> AnyView {
    let items: Vec<Value> = children(v).into_iter().cloned().collect();
    let limit = v.get("limit").and_then(Value::as_u64).map(|n| n as usize);
    let expanded = RwSignal::new(false);
    let hidden = limit.map_or(0, |n| items.len().saturating_sub(n));
    let path = path.to_string();
    view! {
        <div class="wg-list">
            {status(v)}
            {move || {
                let shown = if expanded.get() { items.len() } else { items.len() - hidden };
                items[..shown]
                    .iter()
                    .enumerate()
                    .map(|(i, item)| node(item, &format!("{path}.{i}"), cx))
                    .collect_view()
            }}
            {(hidden > 0).then(|| view! {
                <Show when=move || !expanded.get()>
                    <button type="button" class="link wg-more" on:click=move |_| expanded.set(true)>
                        {format!("Show {hidden} more")}
                    </button>
                </Show>
            })}
        </div>
    }
    .into_any()
}

fn list_item(v: &Value, path: &str, cx: Ctx) -> AnyView {
    let fired = fired(v.get("onClickAction"), path);
    let clickable = fired.is_some();
    let fire = move || {
        if let Some(f) = fired.clone() {
            if !cx.locked.get_untracked() {
                cx.fire.run(f);
            }
        }
    };
    let fire_key = fire.clone();
    view! {
        <div class="wg-list-item" data-gap=spacing(v, "gap") data-align=text(v, "align")
            role=clickable.then_some("button") tabindex=clickable.then_some("0")
            aria-busy=cx.is_busy(path)
            on:click=move |_| fire()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    fire_key();
                }
            }>
            {child_views(v, path, cx)}
        </div>
    }
    .into_any()
}

fn layout(v: &Value, path: &str, cx: Ctx) -> AnyView {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
    let dir = match kind {
        "Row" => Some("row".to_string()),
        "Col" => Some("col".to_string()),
        _ => text(v, "direction"),
    };
    let kids = child_views(v, path, cx);
    let (align, justify, wrap) = (text(v, "align"), text(v, "justify"), text(v, "wrap"));
    let (gap, padding) = (spacing(v, "gap"), spacing(v, "padding"));
    if kind != "Form" {
        return view! {
            <div class="wg-box" data-dir=dir data-align=align data-justify=justify data-wrap=wrap
                data-gap=gap data-padding=padding>{kids}</div>
        }
        .into_any();
    }
    // Form values are not collected: the submit action is sent as configured.
    let fired = fired(v.get("onSubmitAction"), path);
    view! {
        <form class="wg-box" data-dir=dir data-align=align data-justify=justify data-wrap=wrap
            data-gap=gap data-padding=padding aria-busy=cx.is_busy(path)
            on:submit=move |ev| {
                ev.prevent_default();
                if let Some(f) = fired.clone() {
                    if !cx.locked.get_untracked() {
                        cx.fire.run(f);
                    }
                }
            }>{kids}</form>
    }
    .into_any()
}

fn button(v: &Value, path: &str, cx: Ctx) -> AnyView {
    let fired = fired(v.get("onClickAction"), path);
    let disabled = flag(v, "disabled");
    let kind = if flag(v, "submit") {
        "submit"
    } else {
        "button"
    };
    view! {
        <button type=kind class="wg-button" data-style=text(v, "style") data-color=text(v, "color")
            data-variant=text(v, "variant") data-size=text(v, "size")
            data-block=flag(v, "block").then_some("true") data-pill=flag(v, "pill").then_some("true")
            aria-busy=cx.is_busy(path)
            disabled=move || disabled || cx.locked.get()
            on:click=move |ev| {
                ev.stop_propagation();
                if let Some(f) = fired.clone() {
                    cx.fire.run(f);
                }
            }>
            {icon(text(v, "iconStart"))}
            {text(v, "label")}
            {icon(text(v, "iconEnd"))}
        </button>
    }
    .into_any()
}

fn checkbox(v: &Value, path: &str, cx: Ctx) -> AnyView {
    let fired = fired(v.get("onChangeAction"), path);
    let disabled = flag(v, "disabled");
    view! {
        <label class="wg-checkbox" aria-busy=cx.is_busy(path)>
            <input type="checkbox" name=text(v, "name") checked=flag(v, "defaultChecked")
                required=flag(v, "required")
                disabled=move || disabled || cx.locked.get()
                on:click=move |ev| ev.stop_propagation()
                on:change=move |_| {
                    if let Some(f) = fired.clone() {
                        cx.fire.run(f);
                    }
                }/>
            <span>{text(v, "label")}</span>
        </label>
    }
    .into_any()
}

/// An image would load from anywhere (and the CSP allows only our origin): it is a link,
/// as in our Markdown.
fn image(v: &Value) -> AnyView {
    let src = text(v, "src").filter(|s| safe_url(s));
    let label = text(v, "alt").unwrap_or_else(|| "Image".into());
    match src {
        Some(href) => view! {
            <a class="wg-image" href=href target="_blank" rel="noopener noreferrer">{label}</a>
        }
        .into_any(),
        None => view! { <span class="wg-image">{label}</span> }.into_any(),
    }
}

/// Icons as a glyph (we ship no icon font); names we have no glyph for show a dot.
fn icon(name: Option<String>) -> Option<impl IntoView> {
    let name = name?;
    let glyph = match name.as_str() {
        "check" | "check-circle" | "check-circle-filled" => "✓",
        "plus" => "+",
        "calendar" | "clock" | "book-clock" => "◷",
        "star" => "☆",
        "star-filled" => "★",
        "chevron-left" => "‹",
        "chevron-right" => "›",
        "info" | "circle-question" => "ⓘ",
        "bolt" => "↯",
        "search" => "⌕",
        "mail" => "✉",
        "phone" | "mobile" => "☏",
        "write" | "write-alt" | "write-alt2" | "notebook-pencil" => "✎",
        "reload" => "↻",
        "external-link" => "↗",
        "dots-horizontal" => "…",
        "empty-circle" => "○",
        "sparkle" | "sparkle-double" => "✦",
        "user" | "profile" | "profile-card" => "◉",
        _ => "•",
    };
    Some(view! { <span class="wg-icon" data-icon=name aria-hidden="true">{glyph}</span> })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::chatkit::widgets as w;
    use serde_json::json;

    #[test]
    fn tables_render_rows_and_cells() {
        let table = json!({"type": "Card", "children": [{"type": "Table", "children": [
            {"type": "Table.Row", "header": true, "children": [
                {"type": "Table.Cell", "children": [{"type": "Text", "value": "Task"}]},
                {"type": "Table.Cell", "align": "end", "children": [{"type": "Text", "value": "Due"}]}]},
            {"type": "Table.Row", "children": [
                {"type": "Table.Cell", "children": [{"type": "Text", "value": "<b>milk</b>"}]},
                {"type": "Table.Cell", "children": [{"type": "Text", "value": "today"}]}]}]}]});
        let html = render(table);
        assert!(html.contains(r#"<table class="wg-table">"#), "{html}");
        assert_eq!(html.matches("<tr").count(), 2, "{html}");
        assert_eq!(html.matches("<td").count(), 4, "{html}");
        assert!(html.contains(r#"data-header="true""#), "{html}");
        assert!(html.contains(r#"data-align="end""#), "{html}");
        assert!(html.contains("&lt;b&gt;milk"), "{html}");
    }

    fn render(widget: Value) -> String {
        let owner = Owner::new();
        owner.with(|| {
            view! {
                <WidgetView widget=widget on_action=Callback::new(|_: FiredAction| {})
                    busy=Signal::stored(None::<String>) locked=Signal::stored(false)/>
            }
            .to_html()
        })
    }

    /// The opening tag that carries `class="{class}"`.
    fn tag_with_class<'a>(html: &'a str, class: &str) -> &'a str {
        let at = html
            .find(&format!(r#"class="{class}""#))
            .unwrap_or_else(|| panic!("no {class} in {html}"));
        let start = html[..at].rfind('<').unwrap();
        &html[start..at + html[at..].find('>').unwrap()]
    }

    /// Every attribute name of every opening tag; panics if a tag is not `name="value"` pairs.
    fn attribute_names(html: &str) -> Vec<String> {
        let mut names = Vec::new();
        for tag in html.split('<').skip(1) {
            let tag = &tag[..tag.find('>').expect("tags close")];
            if tag.starts_with('/') || tag.starts_with('!') {
                continue;
            }
            let mut rest = tag.split_once(' ').map_or("", |(_, r)| r);
            loop {
                rest = rest.trim_start();
                if rest.is_empty() || rest == "/" {
                    break;
                }
                let end = rest.find(['=', ' ']).unwrap_or(rest.len());
                names.push(rest[..end].to_string());
                rest = &rest[end..];
                if let Some(value) = rest.strip_prefix("=\"") {
                    rest = &value[value.find('"').expect("quoted value") + 1..];
                }
            }
        }
        names
    }

    #[test]
    fn a_task_list_renders_rows_with_text_checkbox_and_badge() {
        let html = render(
            w::ListView::new()
                .status(w::WidgetStatus::new("Your tasks").icon(w::IconName::Check))
                .child(
                    w::ListViewItem::new()
                        .child(w::Checkbox::new("done.t1").default_checked(true))
                        .child(w::Text::new("Buy milk").line_through(true))
                        .child(w::Badge::new("high").color(w::BadgeColor::Danger))
                        .on_click(w::ActionConfig::new("task.open")),
                )
                .child(w::ListViewItem::new().child(w::Text::new("Call Ali")))
                .into(),
        );
        assert!(html.contains(r#"<div class="wg-list">"#), "{html}");
        assert!(tag_with_class(&html, "wg-text").contains(r#"data-line-through="true""#));
        assert!(tag_with_class(&html, "wg-badge").contains(r#"data-color="danger""#));
        assert_eq!(html.matches(r#"class="wg-list-item""#).count(), 2, "{html}");
        assert_eq!(html.matches(r#"role="button""#).count(), 1, "{html}");
        assert!(html.contains("Your tasks"), "{html}");
        assert!(
            html.contains(r#"type="checkbox""#) && html.contains("checked"),
            "{html}"
        );
        assert!(
            html.contains("Buy milk") && html.contains("Call Ali"),
            "{html}"
        );
    }

    #[test]
    fn hostile_strings_are_escaped_everywhere() {
        let evil = r#"<script>alert(1)</script><img src=x onerror=alert(1)>" onmouseover="x"#;
        let html = render(
            w::Card::new()
                .size(w::CardSize::Md)
                .child(w::Title::new(evil))
                .child(w::Text::new(evil).color(evil))
                .child(w::Markdown::new(evil))
                .child(w::Badge::new(evil))
                .child(w::Button::new(evil).on_click(w::ActionConfig::new("x")))
                .child(w::Checkbox::new(evil).label(evil))
                .child(w::Image::new("javascript:alert(1)").alt(evil))
                .into(),
        );
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
        // No string broke out of an attribute: every attribute is one of ours.
        for name in attribute_names(&html) {
            let ours = name.starts_with("data-") || name.starts_with("aria-");
            let ours = ours
                || ["class", "type", "name", "role", "tabindex", "dir"].contains(&name.as_str());
            assert!(ours, "attribute {name} in {html}");
        }
        // Every string is still shown, as text: title, text (and its colour attribute),
        // markdown, badge, button, checkbox name and label, image alt.
        assert_eq!(html.matches("&lt;script&gt;alert(1)").count(), 9, "{html}");
    }

    #[test]
    fn unknown_components_render_nothing_but_their_siblings_render() {
        let html = render(
            w::Card::new()
                .child(w::WidgetComponent::raw(
                    json!({"type": "Chart", "data": [{"x": "<b>1</b>"}]}),
                ))
                .child(w::WidgetComponent::raw(json!({"value": "no type at all"})))
                .child(w::Text::new("still here"))
                .into(),
        );
        assert!(
            !html.contains("<b>") && !html.contains("&lt;b&gt;"),
            "{html}"
        );
        assert!(!html.contains("no type at all"), "{html}");
        assert!(html.contains("still here"), "{html}");
    }

    #[test]
    fn a_list_limit_hides_the_rest_behind_show_more() {
        let html = render(
            w::ListView::new()
                .limit(1)
                .children(
                    (0..3).map(|i| w::ListViewItem::new().child(w::Text::new(format!("task {i}")))),
                )
                .into(),
        );
        assert!(html.contains("task 0"), "{html}");
        assert!(
            !html.contains("task 1") && !html.contains("task 2"),
            "{html}"
        );
        assert!(html.contains("Show 2 more"), "{html}");
    }

    #[test]
    fn actions_carry_type_payload_and_loading_target() {
        let config = json!({"type": "task.complete", "payload": {"id": 7}, "handler": "server",
                            "loadingBehavior": "container", "streaming": true});
        let f = fired(Some(&config), "r.0.2").unwrap();
        assert_eq!(f.action.kind, "task.complete");
        assert_eq!(f.action.payload, json!({"id": 7}));
        assert_eq!(f.loading.as_deref(), Some(ROOT));
        let own = fired(Some(&json!({"type": "t"})), "r.1").unwrap();
        assert_eq!(own.loading.as_deref(), Some("r.1"));
        assert_eq!(
            fired(Some(&json!({"type": "t", "handler": "client"})), "r"),
            None
        );
    }
}
