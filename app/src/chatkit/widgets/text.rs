//! Components that show words: `Text` (optionally an inline input), `Title`, `Caption`,
//! `Markdown` and `Badge`, with their size, weight and alignment tokens.

use super::*;

tokens!(FontWeight { Normal = "normal", Medium = "medium", Semibold = "semibold", Bold = "bold" });
tokens!(TextAlign { Start = "start", Center = "center", End = "end" });
tokens!(TextSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl" });
tokens!(TitleSize {
    Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl", Xl3 = "3xl", Xl4 = "4xl", Xl5 = "5xl",
});
tokens!(CaptionSize { Sm = "sm", Md = "md", Lg = "lg" });
tokens!(BadgeColor {
    Secondary = "secondary", Success = "success", Danger = "danger", Warning = "warning",
    Info = "info", Discovery = "discovery",
});
tokens!(BadgeVariant { Solid = "solid", Soft = "soft", Outline = "outline" });
tokens!(BadgeSize { Sm = "sm", Md = "md", Lg = "lg" });

/// Plain text.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Text {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
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
    new!(value);
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

/// The SDK's `EditableProps`: makes a `Text` an inline input named `name`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    new!(name);
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

/// A headline.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Title {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    value: String,
    color: Option<Color>,
    weight: Option<FontWeight>,
    size: Option<TitleSize>,
    text_align: Option<TextAlign>,
    truncate: Option<bool>,
    max_lines: Option<i64>,
}

impl Title {
    new!(value);
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caption {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    value: String,
    color: Option<Color>,
    weight: Option<FontWeight>,
    size: Option<CaptionSize>,
    text_align: Option<TextAlign>,
    truncate: Option<bool>,
    max_lines: Option<i64>,
}

impl Caption {
    new!(value);
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Markdown {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    value: String,
    streaming: Option<bool>,
}

impl Markdown {
    new!(value);
    setters!(key: String, id: String, streaming: bool);
}

/// A small label for a status or category.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Badge {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    label: String,
    color: Option<BadgeColor>,
    variant: Option<BadgeVariant>,
    size: Option<BadgeSize>,
    pill: Option<bool>,
}

impl Badge {
    new!(label);
    setters!(key: String, id: String, color: BadgeColor, variant: BadgeVariant, size: BadgeSize, pill: bool);
}

widget_types!(components: Text, Title, Caption, Markdown, Badge);
