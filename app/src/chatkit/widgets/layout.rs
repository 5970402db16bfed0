//! The roots a widget starts from (`Card`, `ListView` and its rows) and the containers that
//! lay components out (`Box`, `Row`, `Col`, `Form`).

use super::*;

tokens!(Alignment { Start = "start", Center = "center", End = "end", Baseline = "baseline", Stretch = "stretch" });
tokens!(Justification {
    Start = "start", Center = "center", End = "end", Between = "between", Around = "around",
    Evenly = "evenly", Stretch = "stretch",
});
tokens!(Wrap { NoWrap = "nowrap", Wrap = "wrap", WrapReverse = "wrap-reverse" });
tokens!(Direction { Row = "row", Col = "col" });
tokens!(Theme { Light = "light", Dark = "dark" });
tokens!(CardSize { Sm = "sm", Md = "md", Lg = "lg", Full = "full" });

// ---------------------------------------------------------------------------------------------
// Roots: Card and ListView

/// The usual root: a bordered container, optionally a form with confirm/cancel buttons.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    as_form: Option<bool>,
    children: Vec<WidgetComponent>,
    background: Option<Color>,
    size: Option<CardSize>,
    padding: Option<Spacing>,
    status: Option<WidgetStatus>,
    collapsed: Option<bool>,
    confirm: Option<CardAction>,
    cancel: Option<CardAction>,
    theme: Option<Theme>,
}

impl Card {
    new!();
    children!(children);
    pub fn confirm(mut self, label: impl Into<String>, action: ActionConfig) -> Self {
        self.confirm = Some(CardAction::new(label, action));
        self
    }
    pub fn cancel(mut self, label: impl Into<String>, action: ActionConfig) -> Self {
        self.cancel = Some(CardAction::new(label, action));
        self
    }
    setters!(
        key: String,
        id: String,
        as_form: bool,
        background: Color,
        size: CardSize,
        padding: Spacing,
        status: WidgetStatus,
        collapsed: bool,
        theme: Theme,
    );
}

/// A card's confirm or cancel button.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CardAction {
    label: String,
    action: ActionConfig,
}

impl CardAction {
    fn new(label: impl Into<String>, action: ActionConfig) -> Self {
        CardAction {
            label: label.into(),
            action,
        }
    }
}

/// The status line above a card or list: text with an icon, or with a site's favicon.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WidgetStatus {
    text: String,
    favicon: Option<String>,
    frame: Option<bool>,
    icon: Option<IconName>,
}

impl WidgetStatus {
    new!(text);
    setters!(icon: IconName, favicon: String, frame: bool);
}

/// A root listing rows (`ListViewItem`s).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListView {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    children: Vec<ListViewItem>,
    limit: Option<ListLimit>,
    status: Option<WidgetStatus>,
    theme: Option<Theme>,
}

impl ListView {
    new!();
    pub fn child(mut self, item: ListViewItem) -> Self {
        self.children.push(item);
        self
    }
    pub fn children(mut self, items: impl IntoIterator<Item = ListViewItem>) -> Self {
        self.children.extend(items);
        self
    }
    setters!(key: String, id: String, limit: ListLimit, status: WidgetStatus, theme: Theme);
}

/// A `ListView`'s `limit` (`int | "auto"`): items shown before "Show more".
#[derive(Clone, Debug, PartialEq)]
pub enum ListLimit {
    Count(i64),
    Auto,
}

impl Serialize for ListLimit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ListLimit::Count(n) => s.serialize_i64(*n),
            ListLimit::Auto => s.serialize_str("auto"),
        }
    }
}
impl From<i32> for ListLimit {
    fn from(v: i32) -> Self {
        ListLimit::Count(v.into())
    }
}

/// One row of a `ListView`, clickable when it has an action.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListViewItem {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    children: Vec<WidgetComponent>,
    #[serde(rename = "onClickAction")]
    on_click: Option<ActionConfig>,
    gap: Option<IntLength>,
    align: Option<Alignment>,
}

impl ListViewItem {
    new!();
    children!(children);
    setters!(key: String, id: String, on_click: ActionConfig, gap: IntLength, align: Alignment);
}

widget_types!(roots: Card, ListView);

// ---------------------------------------------------------------------------------------------
// Containers: Box, Row, Col, Form

/// The SDK's `BoxBase`. Box, Row, Col and Form write these fields *before* `key, id, type`
/// (pydantic's order for their two base classes).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Layout {
    // Unlike other props an unset `children` would survive `drop_none`, so it is skipped here.
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Vec<WidgetComponent>>,
    align: Option<Alignment>,
    justify: Option<Justification>,
    wrap: Option<Wrap>,
    flex: Option<IntLength>,
    gap: Option<IntLength>,
    height: Option<Length>,
    width: Option<Length>,
    size: Option<Length>,
    min_height: Option<IntLength>,
    min_width: Option<IntLength>,
    min_size: Option<IntLength>,
    max_height: Option<IntLength>,
    max_width: Option<IntLength>,
    max_size: Option<IntLength>,
    padding: Option<Spacing>,
    margin: Option<Spacing>,
    border: Option<BoxBorder>,
    radius: Option<Radius>,
    background: Option<Color>,
    aspect_ratio: Option<Length>,
}

/// `new`, the `Layout` props and `key`/`id` of a container.
macro_rules! container {
    () => {
        new!();
        children!(layout.children.get_or_insert_with(Vec::new));
        setters!([layout]
            align: Alignment,
            justify: Justification,
            wrap: Wrap,
            flex: IntLength,
            gap: IntLength,
            height: Length,
            width: Length,
            size: Length,
            min_height: IntLength,
            min_width: IntLength,
            min_size: IntLength,
            max_height: IntLength,
            max_width: IntLength,
            max_size: IntLength,
            padding: Spacing,
            margin: Spacing,
            border: BoxBorder,
            radius: Radius,
            background: Color,
            aspect_ratio: Length,
        );
        setters!(key: String, id: String);
    };
}

/// A flex container whose direction is a prop (`Box` in the SDK).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WidgetBox {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    direction: Option<Direction>,
}

impl WidgetBox {
    container!();
    setters!(direction: Direction);
}

/// A horizontal flex container.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Row {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
}

impl Row {
    container!();
}

/// A vertical flex container.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Col {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
}

impl Col {
    container!();
}

/// A container whose inputs are sent with its submit action.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Form {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    #[serde(rename = "onSubmitAction")]
    on_submit: Option<ActionConfig>,
    direction: Option<Direction>,
}

impl Form {
    container!();
    setters!(on_submit: ActionConfig, direction: Direction);
}

widget_types!(components: ListViewItem, WidgetBox = "Box", Row, Col, Form);
