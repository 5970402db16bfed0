//! Typed builders for ChatKit widgets (the SDK's `chatkit/widgets.py` + `actions.py`), written
//! to JSON exactly as the SDK writes them; `conformance/widgets.py` proves it byte for byte.
//!
//! On the wire a widget stays a `serde_json::Value` (`ItemKind::Widget.widget`,
//! `ItemUpdate::Widget*`): builders are one-way and end in `.into()`. A typed wire enum would
//! have to drop or reorder what it does not model (a component or prop from a newer client, a
//! `.widget` template's extra keys), and the engine stores and returns widgets verbatim, so the
//! lossless `Value` is the wire type and the renderer reads it by `type`, as the official client does.
//!
//! At a call site: `ListView::new().children(items)`, `Card::new().child(Row::new().child(…))`,
//! `Button::new("Done").on_click(ActionConfig::new("task.complete").payload(json!({"id": id})))`;
//! a root (Card, ListView) then `.into()`s the `Value` of an `ItemKind::Widget`.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// How the SDK writes a widget

/// The SDK's `_drop_none`, run over every dumped widget: removes `null` object entries (except
/// under the key `children`) and `null` list elements, at any depth, payloads included.
pub fn drop_none(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| k == "children" || !v.is_null())
                .map(|(k, v)| (k, drop_none(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| !v.is_null())
                .map(drop_none)
                .collect(),
        ),
        other => other,
    }
}

/// A builder's JSON: fields left unset serialise as `null` and are dropped here, as the SDK's
/// `exclude_none` + `_drop_none` do; field order is the struct's, which mirrors the SDK model's.
fn widget_json<T: Serialize>(widget: &T) -> Value {
    drop_none(serde_json::to_value(widget).expect("widgets always serialize"))
}

/// The component with this `id` in a widget tree (depth first through `children`), for
/// `widget.component.updated` and streamed text deltas.
pub fn find_component_mut<'a>(node: &'a mut Value, id: &str) -> Option<&'a mut Value> {
    if node.get("id").and_then(Value::as_str) == Some(id) {
        return Some(node);
    }
    match node.get_mut("children")? {
        Value::Array(children) => children.iter_mut().find_map(|c| find_component_mut(c, id)),
        child @ Value::Object(_) => find_component_mut(child, id),
        _ => None,
    }
}

/// Any component that can sit in a container's `children`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct WidgetComponent(Value);

impl WidgetComponent {
    /// A component these builders do not model (e.g. from a `.widget` template), passed through
    /// as given.
    pub fn raw(value: Value) -> WidgetComponent {
        WidgetComponent(value)
    }
}

impl From<WidgetComponent> for Value {
    fn from(c: WidgetComponent) -> Value {
        c.0
    }
}

/// Roots (`Card`, `ListView`) become a `Value` for `ItemKind::Widget`; components also become
/// a `WidgetComponent` for a container's children (the SDK refuses a root as a child).
macro_rules! into_json {
    (roots: $($root:ident),*; components: $($name:ident),* $(,)?) => {
        $(
            impl From<$root> for Value {
                fn from(w: $root) -> Value {
                    widget_json(&w)
                }
            }
        )*
        $(
            impl From<$name> for Value {
                fn from(w: $name) -> Value {
                    widget_json(&w)
                }
            }
            impl From<$name> for WidgetComponent {
                fn from(w: $name) -> WidgetComponent {
                    WidgetComponent(widget_json(&w))
                }
            }
        )*
    };
}

/// `pub fn field(self, value) -> Self` for optional fields, on `self` or on `self.$inner`.
macro_rules! setters {
    ($($(#[$m:meta])* $field:ident: $ty:ty),* $(,)?) => {$(
        $(#[$m])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.$field = Some(value.into());
            self
        }
    )*};
    ([$inner:ident] $($(#[$m:meta])* $field:ident: $ty:ty),* $(,)?) => {$(
        $(#[$m])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.$inner.$field = Some(value.into());
            self
        }
    )*};
}

/// A closed set of string tokens (a pydantic `Literal[...]`).
macro_rules! tokens {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),+ }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Values shared by several components

/// A `float | str` prop: a number (written as a float, `2` → `2.0`) or a CSS string.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Length {
    Number(f64),
    Css(String),
}

/// `From` a number type and from text for a `Number | Css` length enum.
macro_rules! number_or_css {
    ($ty:ident, $num:ty) => {
        impl From<$num> for $ty {
            fn from(v: $num) -> Self {
                $ty::Number(v)
            }
        }
        impl From<i32> for $ty {
            fn from(v: i32) -> Self {
                $ty::Number(v.into())
            }
        }
        impl From<&str> for $ty {
            fn from(v: &str) -> Self {
                $ty::Css(v.into())
            }
        }
        impl From<String> for $ty {
            fn from(v: String) -> Self {
                $ty::Css(v)
            }
        }
    };
}

number_or_css!(Length, f64);

/// An `int | str` prop: a whole number (px or spacing units) or a CSS string.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum IntLength {
    Number(i64),
    Css(String),
}

number_or_css!(IntLength, i64);

/// Padding or margin (`float | str | Spacing`): one length for every side, or per side.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Spacing {
    All(Length),
    Edges(Edges),
}

impl<T: Into<Length>> From<T> for Spacing {
    fn from(v: T) -> Self {
        Spacing::All(v.into())
    }
}
impl From<Edges> for Spacing {
    fn from(v: Edges) -> Self {
        Spacing::Edges(v)
    }
}

/// Per-side spacing (the SDK's `Spacing` TypedDict); `x`/`y` set both sides of an axis.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Edges {
    top: Option<Length>,
    right: Option<Length>,
    bottom: Option<Length>,
    left: Option<Length>,
    x: Option<Length>,
    y: Option<Length>,
}

impl Edges {
    pub fn new() -> Self {
        Self::default()
    }
    setters!(top: Length, right: Length, bottom: Length, left: Length, x: Length, y: Length);
}

/// A colour: a token (`"secondary"`, `"red-500"`) or CSS string, or one per theme.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Color {
    Token(String),
    Theme { dark: String, light: String },
}

impl Color {
    pub fn light_dark(light: impl Into<String>, dark: impl Into<String>) -> Color {
        Color::Theme {
            dark: dark.into(),
            light: light.into(),
        }
    }
}
impl From<&str> for Color {
    fn from(v: &str) -> Self {
        Color::Token(v.into())
    }
}
impl From<String> for Color {
    fn from(v: String) -> Self {
        Color::Token(v)
    }
}

/// One border line (`Border`): width in px, optional colour and style.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Border {
    size: i64,
    color: Option<Color>,
    style: Option<BorderStyle>,
}

impl Border {
    pub fn new(size: i64) -> Self {
        Border {
            size,
            color: None,
            style: None,
        }
    }
    setters!(color: Color, style: BorderStyle);
}

/// A box's `border` (`int | Border | Borders`): a width, one line, or per side.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BoxBorder {
    Width(i64),
    Line(Border),
    Edges(Box<Borders>),
}

impl From<i32> for BoxBorder {
    fn from(v: i32) -> Self {
        BoxBorder::Width(v.into())
    }
}
impl From<Border> for BoxBorder {
    fn from(v: Border) -> Self {
        BoxBorder::Line(v)
    }
}
impl From<Borders> for BoxBorder {
    fn from(v: Borders) -> Self {
        BoxBorder::Edges(Box::new(v))
    }
}

/// One side of `Borders`: a width or a line.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EdgeBorder {
    Width(i64),
    Line(Border),
}

impl From<i32> for EdgeBorder {
    fn from(v: i32) -> Self {
        EdgeBorder::Width(v.into())
    }
}
impl From<Border> for EdgeBorder {
    fn from(v: Border) -> Self {
        EdgeBorder::Line(v)
    }
}

/// Per-side borders (`Borders`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Borders {
    top: Option<EdgeBorder>,
    right: Option<EdgeBorder>,
    bottom: Option<EdgeBorder>,
    left: Option<EdgeBorder>,
    x: Option<EdgeBorder>,
    y: Option<EdgeBorder>,
}

impl Borders {
    pub fn new() -> Self {
        Self::default()
    }
    setters!(top: EdgeBorder, right: EdgeBorder, bottom: EdgeBorder, left: EdgeBorder, x: EdgeBorder, y: EdgeBorder);
}

/// The status line above a card or list: text with an icon, or with a site's favicon.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WidgetStatus {
    text: String,
    favicon: Option<String>,
    frame: Option<bool>,
    icon: Option<IconName>,
}

impl WidgetStatus {
    pub fn new(text: impl Into<String>) -> Self {
        WidgetStatus {
            text: text.into(),
            favicon: None,
            frame: None,
            icon: None,
        }
    }
    setters!(icon: IconName, favicon: String, frame: bool);
}

/// The SDK's `EditableProps`: makes a `Text` an inline input named `name`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditableProps {
    name: String,
    auto_focus: Option<bool>,
    auto_select: Option<bool>,
    auto_complete: Option<String>,
    allow_autofill_extensions: Option<bool>,
    pattern: Option<String>,
    placeholder: Option<String>,
    required: Option<bool>,
}

impl EditableProps {
    pub fn new(name: impl Into<String>) -> Self {
        EditableProps {
            name: name.into(),
            auto_focus: None,
            auto_select: None,
            auto_complete: None,
            allow_autofill_extensions: None,
            pattern: None,
            placeholder: None,
            required: None,
        }
    }
    setters!(
        auto_focus: bool,
        auto_select: bool,
        auto_complete: String,
        allow_autofill_extensions: bool,
        pattern: String,
        placeholder: String,
        required: bool,
    );
}

// ---------------------------------------------------------------------------------------------
// Actions

tokens!(
    /// Who handles an action: our server (`threads.custom_action`) or the page.
    Handler { Client = "client", Server = "server" }
);
tokens!(
    /// What shows a spinner while an action runs (`"self"` is the component that fired it).
    LoadingBehavior { Auto = "auto", None = "none", Component = "self", Container = "container" }
);

/// What a button click, checkbox change or form submit sends (`actions.py:ActionConfig`).
/// Every key is written, defaults included; a `null` payload is left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionConfig {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<Value>,
    handler: Handler,
    #[serde(rename = "loadingBehavior")]
    loading_behavior: LoadingBehavior,
    streaming: bool,
}

impl ActionConfig {
    pub fn new(kind: impl Into<String>) -> Self {
        ActionConfig {
            kind: kind.into(),
            payload: None,
            handler: Handler::Server,
            loading_behavior: LoadingBehavior::Auto,
            streaming: true,
        }
    }
    setters!(payload: Value);
    pub fn handler(mut self, handler: Handler) -> Self {
        self.handler = handler;
        self
    }
    pub fn loading_behavior(mut self, behavior: LoadingBehavior) -> Self {
        self.loading_behavior = behavior;
        self
    }
    pub fn streaming(mut self, streaming: bool) -> Self {
        self.streaming = streaming;
        self
    }
}

/// A card's confirm or cancel button.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CardAction {
    label: String,
    action: ActionConfig,
}

// ---------------------------------------------------------------------------------------------
// Tokens

tokens!(Alignment { Start = "start", Center = "center", End = "end", Baseline = "baseline", Stretch = "stretch" });
tokens!(Justification {
    Start = "start", Center = "center", End = "end", Between = "between", Around = "around",
    Evenly = "evenly", Stretch = "stretch",
});
tokens!(Wrap { NoWrap = "nowrap", Wrap = "wrap", WrapReverse = "wrap-reverse" });
tokens!(Direction { Row = "row", Col = "col" });
tokens!(Theme { Light = "light", Dark = "dark" });
tokens!(
    /// `Xs2` is `"2xs"`, `Xl2` is `"2xl"`, and so on.
    Radius {
        Xs2 = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl",
        Xl3 = "3xl", Xl4 = "4xl", Full = "full", Percent100 = "100%", None = "none",
    }
);
tokens!(CardSize { Sm = "sm", Md = "md", Lg = "lg", Full = "full" });
tokens!(FontWeight { Normal = "normal", Medium = "medium", Semibold = "semibold", Bold = "bold" });
tokens!(TextAlign { Start = "start", Center = "center", End = "end" });
tokens!(TextSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" });
tokens!(TitleSize {
    Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl", Xl3 = "3xl", Xl4 = "4xl", Xl5 = "5xl",
});
tokens!(CaptionSize { Sm = "sm", Md = "md", Lg = "lg" });
tokens!(IconSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl", Xl3 = "3xl" });
tokens!(BadgeColor {
    Secondary = "secondary", Success = "success", Danger = "danger", Warning = "warning",
    Info = "info", Discovery = "discovery",
});
tokens!(BadgeVariant { Solid = "solid", Soft = "soft", Outline = "outline" });
tokens!(BadgeSize { Sm = "sm", Md = "md", Lg = "lg" });
tokens!(ButtonStyle { Primary = "primary", Secondary = "secondary" });
tokens!(ButtonIconSize { Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl" });
tokens!(ButtonColor {
    Primary = "primary", Secondary = "secondary", Info = "info", Discovery = "discovery",
    Success = "success", Caution = "caution", Warning = "warning", Danger = "danger",
});
tokens!(ControlVariant { Solid = "solid", Soft = "soft", Outline = "outline", Ghost = "ghost" });
tokens!(ControlSize {
    Xs3 = "3xs", Xs2 = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl",
    Xl3 = "3xl",
});
tokens!(BorderStyle {
    Solid = "solid", Dashed = "dashed", Dotted = "dotted", Double = "double", Groove = "groove",
    Ridge = "ridge", Inset = "inset", Outset = "outset",
});
tokens!(ImageFit { Cover = "cover", Contain = "contain", Fill = "fill", ScaleDown = "scale-down", None = "none" });
tokens!(ImagePosition {
    TopLeft = "top left", Top = "top", TopRight = "top right", Left = "left", Center = "center",
    Right = "right", BottomLeft = "bottom left", Bottom = "bottom", BottomRight = "bottom right",
});
tokens!(
    /// The SDK's built-in icon names (`icons.py`); `vendor:`/`lucide:` names are not modelled.
    IconName {
        Agent = "agent", Analytics = "analytics", Atom = "atom", Batch = "batch", Bolt = "bolt",
        BookOpen = "book-open", BookClosed = "book-closed", BookClock = "book-clock", Bug = "bug",
        Calendar = "calendar", Chart = "chart", Check = "check", CheckCircle = "check-circle",
        CheckCircleFilled = "check-circle-filled", ChevronLeft = "chevron-left",
        ChevronRight = "chevron-right", CircleQuestion = "circle-question", Clock = "clock",
        Compass = "compass", Confetti = "confetti", Cube = "cube", Desktop = "desktop",
        Document = "document", Dot = "dot", DotsHorizontal = "dots-horizontal",
        DotsVertical = "dots-vertical", EmptyCircle = "empty-circle", ExternalLink = "external-link",
        Globe = "globe", Keys = "keys", Lab = "lab", Images = "images", Info = "info",
        Lifesaver = "lifesaver", Lightbulb = "lightbulb", Mail = "mail", MapPin = "map-pin",
        Maps = "maps", Mobile = "mobile", Name = "name", Notebook = "notebook",
        NotebookPencil = "notebook-pencil", PageBlank = "page-blank", Phone = "phone", Play = "play",
        Plus = "plus", Profile = "profile", ProfileCard = "profile-card", Reload = "reload",
        Star = "star", StarFilled = "star-filled", Search = "search", Sparkle = "sparkle",
        SparkleDouble = "sparkle-double", SquareCode = "square-code", SquareImage = "square-image",
        SquareText = "square-text", Suitcase = "suitcase", SettingsSlider = "settings-slider",
        User = "user", Wreath = "wreath", Write = "write", WriteAlt = "write-alt",
        WriteAlt2 = "write-alt2",
    }
);

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

// ---------------------------------------------------------------------------------------------
// Roots: Card and ListView

/// The usual root: a bordered container, optionally a form with confirm/cancel buttons.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
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

impl Default for Card {
    fn default() -> Self {
        Self::new()
    }
}

impl Card {
    pub fn new() -> Self {
        Card {
            key: None,
            id: None,
            kind: "Card",
            as_form: None,
            children: Vec::new(),
            background: None,
            size: None,
            padding: None,
            status: None,
            collapsed: None,
            confirm: None,
            cancel: None,
            theme: None,
        }
    }
    pub fn child(mut self, child: impl Into<WidgetComponent>) -> Self {
        self.children.push(child.into());
        self
    }
    pub fn children<C: Into<WidgetComponent>>(
        mut self,
        children: impl IntoIterator<Item = C>,
    ) -> Self {
        self.children.extend(children.into_iter().map(Into::into));
        self
    }
    pub fn confirm(mut self, label: impl Into<String>, action: ActionConfig) -> Self {
        self.confirm = Some(CardAction {
            label: label.into(),
            action,
        });
        self
    }
    pub fn cancel(mut self, label: impl Into<String>, action: ActionConfig) -> Self {
        self.cancel = Some(CardAction {
            label: label.into(),
            action,
        });
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

/// A root listing rows (`ListViewItem`s).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListView {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    children: Vec<ListViewItem>,
    limit: Option<ListLimit>,
    status: Option<WidgetStatus>,
    theme: Option<Theme>,
}

impl Default for ListView {
    fn default() -> Self {
        Self::new()
    }
}

impl ListView {
    pub fn new() -> Self {
        ListView {
            key: None,
            id: None,
            kind: "ListView",
            children: Vec::new(),
            limit: None,
            status: None,
            theme: None,
        }
    }
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

/// One row of a `ListView`, clickable when it has an action.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListViewItem {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    children: Vec<WidgetComponent>,
    #[serde(rename = "onClickAction")]
    on_click: Option<ActionConfig>,
    gap: Option<IntLength>,
    align: Option<Alignment>,
}

impl Default for ListViewItem {
    fn default() -> Self {
        Self::new()
    }
}

impl ListViewItem {
    pub fn new() -> Self {
        ListViewItem {
            key: None,
            id: None,
            kind: "ListViewItem",
            children: Vec::new(),
            on_click: None,
            gap: None,
            align: None,
        }
    }
    pub fn child(mut self, child: impl Into<WidgetComponent>) -> Self {
        self.children.push(child.into());
        self
    }
    pub fn children<C: Into<WidgetComponent>>(
        mut self,
        children: impl IntoIterator<Item = C>,
    ) -> Self {
        self.children.extend(children.into_iter().map(Into::into));
        self
    }
    setters!(key: String, id: String, on_click: ActionConfig, gap: IntLength, align: Alignment);
}

// ---------------------------------------------------------------------------------------------
// Layout: Box, Row, Col, Form

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

macro_rules! layout_setters {
    () => {
        pub fn child(mut self, child: impl Into<WidgetComponent>) -> Self {
            self.layout
                .children
                .get_or_insert_with(Vec::new)
                .push(child.into());
            self
        }
        pub fn children<C: Into<WidgetComponent>>(
            mut self,
            children: impl IntoIterator<Item = C>,
        ) -> Self {
            self.layout
                .children
                .get_or_insert_with(Vec::new)
                .extend(children.into_iter().map(Into::into));
            self
        }
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WidgetBox {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    direction: Option<Direction>,
}

impl Default for WidgetBox {
    fn default() -> Self {
        Self::new()
    }
}

impl WidgetBox {
    pub fn new() -> Self {
        WidgetBox {
            layout: Layout::default(),
            key: None,
            id: None,
            kind: "Box",
            direction: None,
        }
    }
    layout_setters!();
    setters!(direction: Direction);
}

/// A horizontal flex container.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl Default for Row {
    fn default() -> Self {
        Self::new()
    }
}

impl Row {
    pub fn new() -> Self {
        Row {
            layout: Layout::default(),
            key: None,
            id: None,
            kind: "Row",
        }
    }
    layout_setters!();
}

/// A vertical flex container.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Col {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl Default for Col {
    fn default() -> Self {
        Self::new()
    }
}

impl Col {
    pub fn new() -> Self {
        Col {
            layout: Layout::default(),
            key: None,
            id: None,
            kind: "Col",
        }
    }
    layout_setters!();
}

/// A container whose inputs are sent with its submit action.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Form {
    #[serde(flatten)]
    layout: Layout,
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "onSubmitAction")]
    on_submit: Option<ActionConfig>,
    direction: Option<Direction>,
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        Form {
            layout: Layout::default(),
            key: None,
            id: None,
            kind: "Form",
            on_submit: None,
            direction: None,
        }
    }
    layout_setters!();
    setters!(on_submit: ActionConfig, direction: Direction);
}

// ---------------------------------------------------------------------------------------------
// Text

/// Plain text.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Text {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
    streaming: Option<bool>,
    italic: Option<bool>,
    line_through: Option<bool>,
    color: Option<Color>,
    weight: Option<FontWeight>,
    width: Option<Length>,
    size: Option<TextSize>,
    text_align: Option<TextAlign>,
    truncate: Option<bool>,
    min_lines: Option<i64>,
    max_lines: Option<i64>,
    editable: Option<EditableProps>,
}

impl Text {
    pub fn new(value: impl Into<String>) -> Self {
        Text {
            key: None,
            id: None,
            kind: "Text",
            value: value.into(),
            streaming: None,
            italic: None,
            line_through: None,
            color: None,
            weight: None,
            width: None,
            size: None,
            text_align: None,
            truncate: None,
            min_lines: None,
            max_lines: None,
            editable: None,
        }
    }
    setters!(
        key: String,
        id: String,
        streaming: bool,
        italic: bool,
        line_through: bool,
        color: Color,
        weight: FontWeight,
        width: Length,
        size: TextSize,
        text_align: TextAlign,
        truncate: bool,
        min_lines: i64,
        max_lines: i64,
        editable: EditableProps,
    );
}

/// A headline.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Title {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
    color: Option<Color>,
    weight: Option<FontWeight>,
    size: Option<TitleSize>,
    text_align: Option<TextAlign>,
    truncate: Option<bool>,
    max_lines: Option<i64>,
}

impl Title {
    pub fn new(value: impl Into<String>) -> Self {
        Title {
            key: None,
            id: None,
            kind: "Title",
            value: value.into(),
            color: None,
            weight: None,
            size: None,
            text_align: None,
            truncate: None,
            max_lines: None,
        }
    }
    setters!(
        key: String,
        id: String,
        color: Color,
        weight: FontWeight,
        size: TitleSize,
        text_align: TextAlign,
        truncate: bool,
        max_lines: i64,
    );
}

/// Small supporting text.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caption {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
    color: Option<Color>,
    weight: Option<FontWeight>,
    size: Option<CaptionSize>,
    text_align: Option<TextAlign>,
    truncate: Option<bool>,
    max_lines: Option<i64>,
}

impl Caption {
    pub fn new(value: impl Into<String>) -> Self {
        Caption {
            key: None,
            id: None,
            kind: "Caption",
            value: value.into(),
            color: None,
            weight: None,
            size: None,
            text_align: None,
            truncate: None,
            max_lines: None,
        }
    }
    setters!(
        key: String,
        id: String,
        color: Color,
        weight: FontWeight,
        size: CaptionSize,
        text_align: TextAlign,
        truncate: bool,
        max_lines: i64,
    );
}

/// Markdown source (rendered by the client, raw HTML escaped).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Markdown {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
    streaming: Option<bool>,
}

impl Markdown {
    pub fn new(value: impl Into<String>) -> Self {
        Markdown {
            key: None,
            id: None,
            kind: "Markdown",
            value: value.into(),
            streaming: None,
        }
    }
    setters!(key: String, id: String, streaming: bool);
}

/// A small label for a status or category.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Badge {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    label: String,
    color: Option<BadgeColor>,
    variant: Option<BadgeVariant>,
    size: Option<BadgeSize>,
    pill: Option<bool>,
}

impl Badge {
    pub fn new(label: impl Into<String>) -> Self {
        Badge {
            key: None,
            id: None,
            kind: "Badge",
            label: label.into(),
            color: None,
            variant: None,
            size: None,
            pill: None,
        }
    }
    setters!(key: String, id: String, color: BadgeColor, variant: BadgeVariant, size: BadgeSize, pill: bool);
}

// ---------------------------------------------------------------------------------------------
// Controls

/// A button, usually wired to an action.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Button {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    submit: Option<bool>,
    label: Option<String>,
    #[serde(rename = "onClickAction")]
    on_click: Option<ActionConfig>,
    icon_start: Option<IconName>,
    icon_end: Option<IconName>,
    style: Option<ButtonStyle>,
    icon_size: Option<ButtonIconSize>,
    color: Option<ButtonColor>,
    variant: Option<ControlVariant>,
    size: Option<ControlSize>,
    pill: Option<bool>,
    uniform: Option<bool>,
    block: Option<bool>,
    disabled: Option<bool>,
}

impl Default for Button {
    fn default() -> Self {
        Button {
            key: None,
            id: None,
            kind: "Button",
            submit: None,
            label: None,
            on_click: None,
            icon_start: None,
            icon_end: None,
            style: None,
            icon_size: None,
            color: None,
            variant: None,
            size: None,
            pill: None,
            uniform: None,
            block: None,
            disabled: None,
        }
    }
}

impl Button {
    pub fn new(label: impl Into<String>) -> Self {
        Button::default().label(label)
    }
    /// An icon-only button.
    pub fn icon(icon: IconName) -> Self {
        Button::default().icon_start(icon)
    }
    setters!(
        key: String,
        id: String,
        submit: bool,
        label: String,
        on_click: ActionConfig,
        icon_start: IconName,
        icon_end: IconName,
        style: ButtonStyle,
        icon_size: ButtonIconSize,
        color: ButtonColor,
        variant: ControlVariant,
        size: ControlSize,
        pill: bool,
        uniform: bool,
        block: bool,
        disabled: bool,
    );
}

/// A checkbox named `name` (its form field), optionally sending an action on change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkbox {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    label: Option<String>,
    default_checked: Option<bool>,
    #[serde(rename = "onChangeAction")]
    on_change: Option<ActionConfig>,
    disabled: Option<bool>,
    required: Option<bool>,
}

impl Checkbox {
    pub fn new(name: impl Into<String>) -> Self {
        Checkbox {
            key: None,
            id: None,
            kind: "Checkbox",
            name: name.into(),
            label: None,
            default_checked: None,
            on_change: None,
            disabled: None,
            required: None,
        }
    }
    setters!(
        key: String,
        id: String,
        label: String,
        default_checked: bool,
        on_change: ActionConfig,
        disabled: bool,
        required: bool,
    );
}

// ---------------------------------------------------------------------------------------------
// Decoration

/// A horizontal rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Divider {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    color: Option<Color>,
    size: Option<IntLength>,
    spacing: Option<IntLength>,
    flush: Option<bool>,
}

impl Default for Divider {
    fn default() -> Self {
        Self::new()
    }
}

impl Divider {
    pub fn new() -> Self {
        Divider {
            key: None,
            id: None,
            kind: "Divider",
            color: None,
            size: None,
            spacing: None,
            flush: None,
        }
    }
    setters!(key: String, id: String, color: Color, size: IntLength, spacing: IntLength, flush: bool);
}

/// Flexible space that pushes its siblings apart.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spacer {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    min_size: Option<IntLength>,
}

impl Default for Spacer {
    fn default() -> Self {
        Self::new()
    }
}

impl Spacer {
    pub fn new() -> Self {
        Spacer {
            key: None,
            id: None,
            kind: "Spacer",
            min_size: None,
        }
    }
    setters!(key: String, id: String, min_size: IntLength);
}

/// A built-in icon.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Icon {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    name: IconName,
    color: Option<Color>,
    size: Option<IconSize>,
}

impl Icon {
    pub fn new(name: IconName) -> Self {
        Icon {
            key: None,
            id: None,
            kind: "Icon",
            name,
            color: None,
            size: None,
        }
    }
    setters!(key: String, id: String, color: Color, size: IconSize);
}

/// An image by URL. Its sizes are `int | str` (unlike a box's); `margin` is not modelled.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    src: String,
    alt: Option<String>,
    fit: Option<ImageFit>,
    position: Option<ImagePosition>,
    radius: Option<Radius>,
    frame: Option<bool>,
    flush: Option<bool>,
    height: Option<IntLength>,
    width: Option<IntLength>,
    size: Option<IntLength>,
    min_height: Option<IntLength>,
    min_width: Option<IntLength>,
    min_size: Option<IntLength>,
    max_height: Option<IntLength>,
    max_width: Option<IntLength>,
    max_size: Option<IntLength>,
    background: Option<Color>,
    aspect_ratio: Option<Length>,
    flex: Option<IntLength>,
}

impl Image {
    pub fn new(src: impl Into<String>) -> Self {
        Image {
            key: None,
            id: None,
            kind: "Image",
            src: src.into(),
            alt: None,
            fit: None,
            position: None,
            radius: None,
            frame: None,
            flush: None,
            height: None,
            width: None,
            size: None,
            min_height: None,
            min_width: None,
            min_size: None,
            max_height: None,
            max_width: None,
            max_size: None,
            background: None,
            aspect_ratio: None,
            flex: None,
        }
    }
    setters!(
        key: String,
        id: String,
        alt: String,
        fit: ImageFit,
        position: ImagePosition,
        radius: Radius,
        frame: bool,
        flush: bool,
        height: IntLength,
        width: IntLength,
        size: IntLength,
        min_height: IntLength,
        min_width: IntLength,
        min_size: IntLength,
        max_height: IntLength,
        max_width: IntLength,
        max_size: IntLength,
        background: Color,
        aspect_ratio: Length,
        flex: IntLength,
    );
}

into_json!(
    roots: Card, ListView;
    components:
    ListViewItem,
    WidgetBox,
    Row,
    Col,
    Form,
    Text,
    Title,
    Caption,
    Markdown,
    Badge,
    Button,
    Checkbox,
    Divider,
    Spacer,
    Icon,
    Image,
);

#[cfg(test)]
mod tests;
