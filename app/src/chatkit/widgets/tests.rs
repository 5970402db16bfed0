//! Byte-for-byte comparison with the SDK: `conformance/widgets.py` builds these same widgets
//! with `chatkit.widgets` and records what the SDK's server sends in `widgets_expected.json`.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use super::*;
use crate::chatkit::types::{ItemKind, ItemUpdate, ThreadItem, ThreadStreamEvent};

const EXPECTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../conformance/widgets_expected.json"
));

const HOSTILE: &str = "Urdu: دودھ خریدیں, emoji 🧾, \"quotes\", back\\slash, tab\t, newline\n, \
unit sep\u{1f}, del\u{7f}, line sep\u{2028}, </script><img src=x onerror=alert(1)>";

fn done(widget: impl Into<Value>, copy_text: Option<&str>) -> ThreadStreamEvent {
    ThreadStreamEvent::ItemDone {
        item: ThreadItem {
            id: "msg_widget".into(),
            thread_id: "thr_widgets".into(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            kind: ItemKind::Widget {
                widget: widget.into(),
                copy_text: copy_text.map(Into::into),
            },
        },
    }
}

fn editable() -> EditableProps {
    EditableProps::new("title")
        .auto_focus(true)
        .auto_select(false)
        .auto_complete("off")
        .allow_autofill_extensions(false)
        .pattern("[a-z]+")
        .placeholder("New task")
        .required(true)
}

/// The same widgets as `CASES` in conformance/widgets.py, in the same order.
fn cases() -> Vec<(&'static str, ThreadStreamEvent)> {
    vec![
        ("card_empty", done(Card::new(), None)),
        (
            "card_every_prop",
            done(
                Card::new()
                    .key("k")
                    .id("card1")
                    .as_form(true)
                    .child(Title::new("Groceries"))
                    .child(Caption::new("3 left"))
                    .background(Color::light_dark("white", "gray-900"))
                    .size(CardSize::Md)
                    .padding(Edges::new().top("2px").x(4))
                    .status(WidgetStatus::new("Synced").icon(IconName::Check))
                    .collapsed(false)
                    .confirm("Save", ActionConfig::new("form.save"))
                    .cancel(
                        "Cancel",
                        ActionConfig::new("form.cancel")
                            .handler(Handler::Client)
                            .loading_behavior(LoadingBehavior::None)
                            .streaming(false),
                    )
                    .theme(Theme::Dark),
                None,
            ),
        ),
        (
            "card_favicon_status_numeric_padding",
            done(
                Card::new()
                    .child(Text::new("x"))
                    .background("surface-secondary")
                    .padding(3)
                    .status(
                        WidgetStatus::new("example.com")
                            .favicon("https://example.com/favicon.ico")
                            .frame(true),
                    ),
                None,
            ),
        ),
        (
            "card_css_padding",
            done(
                Card::new()
                    .padding("8px 12px")
                    .size(CardSize::Full)
                    .theme(Theme::Light),
                None,
            ),
        ),
        (
            "list_view_tasks",
            done(
                ListView::new()
                    .children([
                        ListViewItem::new()
                            .key("t1")
                            .child(Checkbox::new("done.t1").default_checked(false).on_change(
                                ActionConfig::new("task.toggle").payload(json!({"id": "t1"})),
                            ))
                            .child(Text::new("Buy milk 🥛").line_through(false))
                            .child(Spacer::new())
                            .child(Badge::new("high").color(BadgeColor::Danger))
                            .on_click(ActionConfig::new("task.open").payload(json!({"id": "t1"})))
                            .gap(2)
                            .align(Alignment::Center),
                        ListViewItem::new().child(Text::new("Call Ali — کل").italic(true)),
                    ])
                    .limit(ListLimit::Auto)
                    .status(WidgetStatus::new("Your tasks").icon(IconName::Notebook))
                    .theme(Theme::Light),
                Some("Buy milk\nCall Ali"),
            ),
        ),
        (
            "list_view_limit_count",
            done(ListView::new().key("l").id("lv").limit(5), None),
        ),
        (
            "box_every_prop",
            done(
                Card::new().child(
                    WidgetBox::new()
                        .child(Text::new("a"))
                        .align(Alignment::Center)
                        .justify(Justification::Between)
                        .wrap(Wrap::Wrap)
                        .flex(1)
                        .gap("8px")
                        .height(1.5)
                        .width(2)
                        .size("100%")
                        .min_height(10)
                        .min_width("5rem")
                        .min_size(1)
                        .max_height(100)
                        .max_width("50%")
                        .max_size(3)
                        .padding(0.1)
                        .margin(
                            Edges::new()
                                .top(1)
                                .right("2px")
                                .bottom(3.25)
                                .left(0)
                                .x(1e16)
                                .y(1e-7),
                        )
                        .border(2)
                        .radius(Radius::Percent100)
                        .background("red-100")
                        .aspect_ratio(16.0 / 9.0)
                        .key("b")
                        .id("box1")
                        .direction(Direction::Col),
                ),
                None,
            ),
        ),
        (
            "layout_empty_and_nested",
            done(
                Card::new()
                    .child(WidgetBox::new())
                    .child(Row::new().children(Vec::<WidgetComponent>::new()))
                    .child(
                        Col::new()
                            .gap(3)
                            .child(
                                Row::new()
                                    .child(
                                        WidgetBox::new()
                                            .direction(Direction::Row)
                                            .child(Icon::new(IconName::Star)),
                                    )
                                    .border(
                                        Border::new(1).color("subtle").style(BorderStyle::Dashed),
                                    ),
                            )
                            .child(
                                Row::new()
                                    .justify(Justification::End)
                                    .border(Borders::new().top(1).x(
                                        Border::new(2).color(Color::light_dark("black", "white")),
                                    ))
                                    .radius(Radius::Xs2),
                            ),
                    ),
                None,
            ),
        ),
        (
            "form_with_editable_text",
            done(
                Card::new().child(
                    Form::new()
                        .gap(2)
                        .child(Text::new("").editable(editable()))
                        .child(Button::new("Add").submit(true).style(ButtonStyle::Primary))
                        .on_submit(
                            ActionConfig::new("task.add")
                                .loading_behavior(LoadingBehavior::Container),
                        )
                        .direction(Direction::Row),
                ),
                None,
            ),
        ),
        (
            "text_title_caption_markdown_every_prop",
            done(
                Card::new()
                    .child(
                        Text::new("Buy milk")
                            .key("tk")
                            .id("text1")
                            .streaming(true)
                            .italic(false)
                            .line_through(true)
                            .color("secondary")
                            .weight(FontWeight::Semibold)
                            .width(120)
                            .size(TextSize::Sm)
                            .text_align(TextAlign::End)
                            .truncate(true)
                            .min_lines(1)
                            .max_lines(3)
                            .editable(EditableProps::new("only_name")),
                    )
                    .child(
                        Title::new("Today")
                            .key("tt")
                            .id("title1")
                            .color(Color::light_dark("black", "white"))
                            .weight(FontWeight::Bold)
                            .size(TitleSize::Xl5)
                            .text_align(TextAlign::Center)
                            .truncate(false)
                            .max_lines(1),
                    )
                    .child(
                        Caption::new("due tomorrow")
                            .key("ck")
                            .id("cap1")
                            .color("tertiary")
                            .weight(FontWeight::Normal)
                            .size(CaptionSize::Lg)
                            .text_align(TextAlign::Start)
                            .truncate(true)
                            .max_lines(2),
                    )
                    .child(
                        Markdown::new(
                            "# Hi\n<script>alert(1)</script> **bold** [x](javascript:alert(1))",
                        )
                        .key("mk")
                        .id("md1")
                        .streaming(true),
                    )
                    .child(Markdown::new("plain")),
                None,
            ),
        ),
        (
            "badge_button_checkbox_every_prop",
            done(
                Card::new()
                    .child(
                        Badge::new("new")
                            .key("bk")
                            .id("badge1")
                            .color(BadgeColor::Discovery)
                            .variant(BadgeVariant::Outline)
                            .size(BadgeSize::Lg)
                            .pill(true),
                    )
                    .child(
                        Button::new("Done ✓")
                            .key("bt")
                            .id("btn1")
                            .submit(false)
                            .on_click(ActionConfig::new("task.complete").payload(json!({"id": 7})))
                            .icon_start(IconName::Check)
                            .icon_end(IconName::ChevronRight)
                            .style(ButtonStyle::Secondary)
                            .icon_size(ButtonIconSize::Xl2)
                            .color(ButtonColor::Caution)
                            .variant(ControlVariant::Ghost)
                            .size(ControlSize::Xs3)
                            .pill(true)
                            .uniform(false)
                            .block(true)
                            .disabled(false),
                    )
                    .child(Button::icon(IconName::Plus))
                    .child(
                        Checkbox::new("done")
                            .key("cb")
                            .id("check1")
                            .label("Done")
                            .default_checked(true)
                            .on_change(ActionConfig::new("task.toggle").handler(Handler::Client))
                            .disabled(false)
                            .required(true),
                    )
                    .child(Checkbox::new("bare")),
                None,
            ),
        ),
        (
            "divider_spacer_icon_image_every_prop",
            done(
                Card::new()
                    .child(
                        Divider::new()
                            .key("dk")
                            .id("div1")
                            .color(Color::light_dark("gray-200", "gray-700"))
                            .size(2)
                            .spacing("12px")
                            .flush(true),
                    )
                    .child(Divider::new())
                    .child(Spacer::new().key("sk").id("sp1").min_size("16px"))
                    .child(Spacer::new().min_size(8))
                    .child(
                        Icon::new(IconName::WriteAlt2)
                            .key("ik")
                            .id("icon1")
                            .color("blue-500")
                            .size(IconSize::Xl3),
                    )
                    .child(
                        Image::new("https://example.com/a b.png")
                            .key("imk")
                            .id("img1")
                            .alt("A \"quoted\" <img>")
                            .fit(ImageFit::ScaleDown)
                            .position(ImagePosition::BottomRight)
                            .radius(Radius::Full)
                            .frame(true)
                            .flush(false)
                            .height(100)
                            .width("50%")
                            .size(64)
                            .min_height(1)
                            .min_width(2)
                            .min_size(3)
                            .max_height(4)
                            .max_width(5)
                            .max_size(6)
                            .background("surface")
                            .aspect_ratio(1.5)
                            .flex("1 1 auto"),
                    ),
                None,
            ),
        ),
        (
            "action_payload_quirks",
            done(
                Card::new().child(
                    Button::new("x").on_click(
                        ActionConfig::new("t")
                            .payload(json!({
                                "keep": 1,
                                "gone": null,
                                "children": null,
                                "list": [1, null, {"n": null, "m": 0.5}],
                                "float": 1.0,
                                "big": 1e20,
                                "tiny": 1.5e-7,
                                "neg": -0.0,
                                "text": "é\u{2028}\u{7f}\u{1}",
                            }))
                            .handler(Handler::Client)
                            .loading_behavior(LoadingBehavior::Component)
                            .streaming(false),
                    ),
                ),
                None,
            ),
        ),
        (
            "hostile_strings",
            done(
                Card::new()
                    .key(HOSTILE)
                    .child(Text::new(HOSTILE))
                    .child(Markdown::new(HOSTILE)),
                None,
            ),
        ),
        (
            "unknown_component_passes_through",
            done(
                Card::new().child(WidgetComponent::raw(json!({
                    "type": "Future",
                    "label": "from a newer client",
                    "nested": {"a": null, "b": [null, 2]},
                }))),
                None,
            ),
        ),
        (
            "root_updated",
            ThreadStreamEvent::ItemUpdated {
                item_id: "msg_widget".into(),
                update: ItemUpdate::WidgetRootUpdated {
                    widget: Card::new()
                        .child(Text::new("done").id("t1").line_through(true))
                        .into(),
                },
            },
        ),
        (
            "component_updated",
            ThreadStreamEvent::ItemUpdated {
                item_id: "msg_widget".into(),
                update: ItemUpdate::WidgetComponentUpdated {
                    component_id: "t1".into(),
                    component: Text::new("done").id("t1").color("success").into(),
                },
            },
        ),
    ]
}

/// The fixture's cases as (name, raw wire bytes), one per line, in file order.
fn expected_cases() -> Vec<(String, String)> {
    serde_json::from_str::<Value>(EXPECTED).expect("the fixture is JSON");
    EXPECTED
        .lines()
        .filter_map(|line| line.strip_prefix("  \""))
        .map(|line| {
            let (name, wire) = line.split_once("\": ").expect("`  \"name\": wire` lines");
            (name.to_string(), wire.trim_end_matches(',').to_string())
        })
        .collect()
}

#[test]
fn builders_write_the_same_bytes_as_the_python_sdk() {
    let expected = expected_cases();
    let ours = cases();
    assert_eq!(
        ours.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        expected.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        "the Rust cases and conformance/widgets.py list the same widgets"
    );
    for ((name, event), (_, wire)) in ours.iter().zip(&expected) {
        // What `sse_frame` writes after `data: `.
        let bytes = serde_json::to_string(event).unwrap();
        assert_eq!(&bytes, wire, "case {name}");
    }
}

/// pydantic-core's float format, which serde_json (since it moved to `zmij`) shares; older
/// serde_json wrote `1e20`.
#[test]
fn serde_json_writes_floats_like_pydantic() {
    let v = json!([1e20, 1e16, 1e15, 1e-5, 1e-7, 1.5, 2.0, -0.0, 5e-324]);
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        "[1e+20,1e+16,1000000000000000.0,0.00001,1e-7,1.5,2.0,-0.0,5e-324]"
    );
}

#[test]
fn drop_none_keeps_children_and_drops_null_list_elements() {
    let v = drop_none(json!({"a": null, "children": null, "l": [null, {"b": null}], "s": "x"}));
    assert_eq!(v, json!({"children": null, "l": [{}], "s": "x"}));
}

fn widget_item(root: Card) -> ThreadItem {
    let ThreadStreamEvent::ItemDone { item } = done(root, None) else {
        unreachable!()
    };
    item
}

#[test]
fn a_component_update_replaces_the_node_with_that_id_in_place() {
    let mut item = widget_item(
        Card::new()
            .child(Text::new("keep"))
            .child(Row::new().child(Text::new("Buy milk").id("t1"))),
    );
    ItemUpdate::WidgetComponentUpdated {
        component_id: "t1".into(),
        component: Text::new("Buy milk").id("t1").line_through(true).into(),
    }
    .apply(&mut item);
    let ItemKind::Widget { widget, .. } = &item.kind else {
        unreachable!()
    };
    assert_eq!(widget["children"][0]["value"], "keep");
    assert_eq!(widget["children"][1]["children"][0]["lineThrough"], true);
}

#[test]
fn streamed_text_is_appended_and_stops_streaming_when_done() {
    let mut item = widget_item(Card::new().child(Markdown::new("Hel").id("m").streaming(true)));
    for (delta, done) in [("lo", false), (" world", true)] {
        ItemUpdate::WidgetValueDelta {
            component_id: "m".into(),
            delta: delta.into(),
            done,
        }
        .apply(&mut item);
    }
    let ItemKind::Widget { widget, .. } = &item.kind else {
        unreachable!()
    };
    assert_eq!(widget["children"][0]["value"], "Hello world");
    assert_eq!(widget["children"][0]["streaming"], false);
}
