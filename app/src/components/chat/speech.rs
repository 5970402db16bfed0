//! Speech input: a microphone button beside the message box, shown when the server has a
//! transcription endpoint (`speech_input` in `/api/chatkit/health`). It records with the
//! browser's `MediaRecorder`, sends the clip as `input.transcribe` and hands back the text.

use leptos::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::i18n::{use_i18n, Key};

#[derive(Clone, Copy, PartialEq)]
enum Mic {
    Idle,
    Recording,
    Transcribing,
}

/// The button; `token` gives the bearer token, `on_text` gets the words, `on_error` a message.
#[component]
pub fn SpeechButton(
    token: fn() -> Option<String>,
    on_text: Callback<String>,
    on_error: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let available = RwSignal::new(false);
    let state = RwSignal::new(Mic::Idle);
    #[cfg(feature = "hydrate")]
    let recorder = browser::Recorder::new(state, token, on_text, on_error);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move { available.set(browser::speech_input().await) });
    #[cfg(not(feature = "hydrate"))]
    let _ = (token, on_text, on_error);
    let click = move |_| {
        #[cfg(feature = "hydrate")]
        match state.get_untracked() {
            Mic::Idle => recorder.start(),
            Mic::Recording => recorder.stop(),
            Mic::Transcribing => {}
        }
    };
    view! {
        <Show when=move || available.get()>
            <button
                type="button"
                class="icon mic"
                class:recording=move || state.get() == Mic::Recording
                aria-label=move || i18n.t(match state.get() {
                    Mic::Idle => Key::Speak,
                    Mic::Recording => Key::StopRecording,
                    Mic::Transcribing => Key::Transcribing,
                })
                disabled=move || state.get() == Mic::Transcribing
                on:click=click
            >
                {move || icon(match state.get() {
                    Mic::Idle | Mic::Transcribing => Icon::Mic,
                    Mic::Recording => Icon::Stop,
                })}
            </button>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::Mic;
    use crate::chatkit::types::{ChatKitRequest, TranscribeParams};
    use crate::components::chat::client;

    /// Whether the server can transcribe (its health report says so).
    pub async fn speech_input() -> bool {
        let Ok(res) = gloo_net::http::Request::get("/api/chatkit/health")
            .send()
            .await
        else {
            return false;
        };
        let health: serde_json::Value = res.json().await.unwrap_or_default();
        health["speech_input"] == true
    }

    /// One recording at a time: the live recorder and the chunks it has given so far.
    #[derive(Clone, Copy)]
    pub struct Recorder {
        live: StoredValue<Option<(web_sys::MediaRecorder, web_sys::MediaStream)>, LocalStorage>,
        state: RwSignal<Mic>,
        token: fn() -> Option<String>,
        on_text: Callback<String>,
        on_error: Callback<String>,
    }

    fn message(e: JsValue) -> String {
        let name = js_sys::Reflect::get(&e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" => "Microphone access was refused.".into(),
            "NotFoundError" => "No microphone was found.".into(),
            _ => format!("Recording failed: {e:?}"),
        }
    }

    impl Recorder {
        pub fn new(
            state: RwSignal<Mic>,
            token: fn() -> Option<String>,
            on_text: Callback<String>,
            on_error: Callback<String>,
        ) -> Self {
            Recorder {
                live: StoredValue::new_local(None),
                state,
                token,
                on_text,
                on_error,
            }
        }

        pub fn start(self) {
            self.state.set(Mic::Recording);
            leptos::task::spawn_local(async move {
                if let Err(e) = self.open().await {
                    self.state.set(Mic::Idle);
                    self.on_error.run(message(e));
                }
            });
        }

        async fn open(self) -> Result<(), JsValue> {
            let devices = web_sys::window()
                .ok_or("no window")?
                .navigator()
                .media_devices()?;
            let constraints = web_sys::MediaStreamConstraints::new();
            constraints.set_audio(&JsValue::TRUE);
            let stream: web_sys::MediaStream =
                JsFuture::from(devices.get_user_media_with_constraints(&constraints)?)
                    .await?
                    .dyn_into()?;
            let recorder = web_sys::MediaRecorder::new_with_media_stream(&stream)?;
            let chunks = Rc::new(RefCell::new(js_sys::Array::new()));
            let on_data = {
                let chunks = chunks.clone();
                Closure::<dyn FnMut(web_sys::BlobEvent)>::new(move |ev: web_sys::BlobEvent| {
                    if let Some(blob) = ev.data() {
                        chunks.borrow().push(&blob);
                    }
                })
            };
            let on_stop = {
                let recorder = recorder.clone();
                Closure::<dyn FnMut()>::new(move || {
                    let options = web_sys::BlobPropertyBag::new();
                    let mime = recorder.mime_type();
                    options.set_type(&mime);
                    let blob = web_sys::Blob::new_with_blob_sequence_and_options(
                        &chunks.borrow(),
                        &options,
                    );
                    leptos::task::spawn_local(async move {
                        match blob {
                            Ok(blob) => self.transcribe(blob, mime).await,
                            Err(e) => self.on_error.run(message(e)),
                        }
                        self.state.set(Mic::Idle);
                    });
                })
            };
            recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
            recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
            // The recorder holds them for as long as it lives.
            on_data.forget();
            on_stop.forget();
            recorder.start()?;
            self.live.set_value(Some((recorder, stream)));
            Ok(())
        }

        pub fn stop(self) {
            self.state.set(Mic::Transcribing);
            if let Some((recorder, stream)) = self.live.try_update_value(Option::take).flatten() {
                let _ = recorder.stop();
                // Release the microphone (and the browser's recording indicator).
                for track in stream.get_tracks().iter() {
                    if let Ok(t) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                        t.stop();
                    }
                }
            } else {
                self.state.set(Mic::Idle);
            }
        }

        async fn transcribe(self, blob: web_sys::Blob, mime: String) {
            let bytes = match JsFuture::from(blob.array_buffer()).await {
                Ok(buf) => js_sys::Uint8Array::new(&buf).to_vec(),
                Err(e) => return self.on_error.run(message(e)),
            };
            let Some(token) = (self.token)() else {
                return self.on_error.run("Please sign in again.".into());
            };
            let req = ChatKitRequest::Transcribe(TranscribeParams::new(&bytes, mime));
            match client::request_json::<serde_json::Value>(&token, &req).await {
                Ok(v) => match v["text"].as_str().filter(|t| !t.trim().is_empty()) {
                    Some(text) => self.on_text.run(text.to_string()),
                    None => self.on_error.run("No speech was recognised.".into()),
                },
                Err(e) => self.on_error.run(e.to_string()),
            }
        }
    }
}
