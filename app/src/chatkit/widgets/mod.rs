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
//!
//! A builder's fields are the SDK model's, in its order (which is the JSON's). Builders derive
//! `Default` (unset props are `None` and left out), so `new` names only what it takes. Here: how
//! a widget becomes JSON and the macros the builders share; the builders live by kind in
//! `layout` (roots and containers), `text`, `controls`, `decoration`, `actions`, and `values`
//! (lengths, colours, borders).

use std::fmt;
use std::marker::PhantomData;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// The macros the builders share (defined before the modules that use them)

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

/// `pub fn new` taking the builder's one required text field (`new!(value)`) or nothing
/// (`new!()`); every other field starts unset, from `Default`.
macro_rules! new {
    () => {
        pub fn new() -> Self {
            Self::default()
        }
    };
    ($field:ident) => {
        pub fn new($field: impl Into<String>) -> Self {
            Self {
                $field: $field.into(),
                ..Default::default()
            }
        }
    };
}

/// `child` and `children` for a container, appending to the `Vec` that `self.$list…` reaches.
macro_rules! children {
    ($($list:tt)+) => {
        pub fn child(self, child: impl Into<WidgetComponent>) -> Self {
            self.children([child])
        }
        pub fn children<C: Into<WidgetComponent>>(
            mut self,
            children: impl IntoIterator<Item = C>,
        ) -> Self {
            self.$($list)+.extend(children.into_iter().map(Into::into));
            self
        }
    };
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

/// Each component's `type` (its Rust name unless given) and its JSON: roots (`Card`,
/// `ListView`) become a `Value` for `ItemKind::Widget`; components also become a
/// `WidgetComponent` for a container's children (the SDK refuses a root as a child).
macro_rules! widget_types {
    (roots: $($name:ident $(= $wire:literal)?),+ $(,)?) => {$(
        impl WidgetType for $name {
            const TYPE: &'static str = widget_types!(@type $name $($wire)?);
        }
        impl From<$name> for Value {
            fn from(w: $name) -> Value {
                widget_json(&w)
            }
        }
    )+};
    (components: $($name:ident $(= $wire:literal)?),+ $(,)?) => {$(
        widget_types!(roots: $name $(= $wire)?);
        impl From<$name> for WidgetComponent {
            fn from(w: $name) -> WidgetComponent {
                WidgetComponent(widget_json(&w))
            }
        }
    )+};
    (@type $name:ident) => { stringify!($name) };
    (@type $name:ident $wire:literal) => { $wire };
}

mod actions;
mod controls;
mod decoration;
mod layout;
mod text;
mod values;

pub use actions::*;
pub use controls::*;
pub use decoration::*;
pub use layout::*;
pub use text::*;
pub use values::*;

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

/// A component's wire name, set by `widget_types!`.
trait WidgetType {
    const TYPE: &'static str;
}

/// A builder's `type` field: it writes `W::TYPE` where the field stands (after `key` and `id`,
/// as the SDK does) and, holding no data, lets the builder derive `Default`.
struct TypeTag<W>(PhantomData<W>);

impl<W: WidgetType> Serialize for TypeTag<W> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(W::TYPE)
    }
}

impl<W> Default for TypeTag<W> {
    fn default() -> Self {
        TypeTag(PhantomData)
    }
}

impl<W> Clone for TypeTag<W> {
    fn clone(&self) -> Self {
        TypeTag(PhantomData)
    }
}

impl<W> PartialEq for TypeTag<W> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<W: WidgetType> fmt::Debug for TypeTag<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(W::TYPE, f)
    }
}

#[cfg(test)]
mod tests;
