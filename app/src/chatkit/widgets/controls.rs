//! Components a user acts on: `Button` and `Checkbox`, each sending an `ActionConfig`, with
//! their style, colour and size tokens.

use super::*;

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

/// A button, usually wired to an action.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Button {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkbox {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    name: String,
    label: Option<String>,
    default_checked: Option<bool>,
    #[serde(rename = "onChangeAction")]
    on_change: Option<ActionConfig>,
    disabled: Option<bool>,
    required: Option<bool>,
}

impl Checkbox {
    new!(name);
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

widget_types!(components: Button, Checkbox);
