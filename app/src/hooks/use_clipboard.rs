//! `copy_to_clipboard(text)`: `navigator.clipboard.writeText`, called through JS reflection
//! (no extra web-sys feature); a no-op during server rendering or without a clipboard.

pub fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let navigator = leptos::prelude::window().navigator();
        let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
            return;
        };
        let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) else {
            return;
        };
        if let Some(write) = write.dyn_ref::<js_sys::Function>() {
            let _ = write.call1(&clipboard, &text.into());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
