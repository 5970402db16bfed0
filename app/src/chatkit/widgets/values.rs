//! Prop values several components share: lengths, spacing, colours, borders, corner radii.
//! Each is untagged on the wire: a number, a CSS string, a token or a small object.

use serde::{Serialize, Serializer};

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
    new!();
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Border {
    size: i64,
    color: Option<Color>,
    style: Option<BorderStyle>,
}

impl Border {
    pub fn new(size: i64) -> Self {
        Border {
            size,
            ..Default::default()
        }
    }
    setters!(color: Color, style: BorderStyle);
}

tokens!(BorderStyle {
    Solid = "solid", Dashed = "dashed", Dotted = "dotted", Double = "double", Groove = "groove",
    Ridge = "ridge", Inset = "inset", Outset = "outset",
});

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
    new!();
    setters!(top: EdgeBorder, right: EdgeBorder, bottom: EdgeBorder, left: EdgeBorder, x: EdgeBorder, y: EdgeBorder);
}

tokens!(
    /// `Xs2` is `"2xs"`, `Xl2` is `"2xl"`, and so on.
    Radius {
        Xs2 = "2xs", Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl",
        Xl3 = "3xl", Xl4 = "4xl", Full = "full", Percent100 = "100%", None = "none",
    }
);
