//! `use_event_source(url, on_message)`: a server-sent events subscription for as long as the
//! calling component lives; the browser reconnects it by itself after a drop.

pub fn use_event_source(url: &'static str, on_message: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Ok(source) = web_sys::EventSource::new(url) else {
            return;
        };
        let callback =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
                on_message()
            });
        source.set_onmessage(Some(callback.as_ref().unchecked_ref()));
        // Browser objects are not Send; the cleanup runs on the same (only) thread.
        let held = send_wrapper::SendWrapper::new((source, callback));
        leptos::prelude::on_cleanup(move || held.0.close());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, on_message);
}
