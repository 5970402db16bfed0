//! The turns in flight on this instance, by thread: each runs in a task of its own (a client
//! that disconnects does not stop it), can be stopped, and can be re-attached to mid-turn.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};

use super::server::{RespondContext, Responder};
use super::stream::{Preamble, ThreadStream, Work};
use super::types::ThreadMetadata;

/// A turn in flight, registered by thread so an explicit stop or a re-attaching client can
/// reach it (per instance).
struct RunHandle {
    run: u64,
    user_id: String,
    cancel: Arc<Notify>,
    finished: watch::Receiver<bool>,
    tap: Arc<Mutex<Tap>>,
}

/// Every frame a run has sent so far, and the clients re-attached to it: a client that
/// reloads mid-turn gets the whole turn replayed, then the rest live.
#[derive(Default)]
pub(super) struct Tap {
    frames: Vec<Vec<u8>>,
    listeners: Vec<mpsc::UnboundedSender<Vec<u8>>>,
    closed: bool,
}

impl Tap {
    /// Keeps a frame for later re-attachments and forwards it to the current ones.
    pub(super) fn record(tap: &Mutex<Tap>, frame: &[u8]) {
        let mut t = tap.lock().expect("tap lock");
        t.frames.push(frame.to_vec());
        t.listeners.retain(|l| l.send(frame.to_vec()).is_ok());
    }

    fn close(tap: &Mutex<Tap>) {
        let mut t = tap.lock().expect("tap lock");
        t.closed = true;
        t.listeners.clear();
    }
}

/// The run registry: one handle per thread with a turn in flight.
#[derive(Clone, Default)]
pub(super) struct Runs(Arc<Mutex<HashMap<String, RunHandle>>>);

impl Runs {
    /// Starts a turn in a task of its own and registers it; the receiver gets its frames.
    pub(super) fn spawn(
        &self,
        ctx: RespondContext,
        thread: ThreadMetadata,
        pre: Preamble,
        work: Work,
        responder: Arc<dyn Responder>,
    ) -> mpsc::UnboundedReceiver<Vec<u8>> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let cancel = Arc::new(Notify::new());
        let (finished_tx, finished) = watch::channel(false);
        let thread_id = thread.id.clone();
        let tap = Arc::new(Mutex::new(Tap::default()));
        self.0.lock().expect("run registry lock").insert(
            thread_id.clone(),
            RunHandle {
                run,
                user_id: ctx.user_id.clone(),
                cancel: cancel.clone(),
                finished,
                tap: tap.clone(),
            },
        );
        let runs = self.0.clone();
        let mut stream = ThreadStream::new(ctx, thread, tx, tap.clone());
        tokio::spawn(async move {
            stream.run(pre, work, responder, cancel).await;
            Tap::close(&tap);
            let mut runs = runs.lock().expect("run registry lock");
            if runs.get(&thread_id).is_some_and(|h| h.run == run) {
                runs.remove(&thread_id);
            }
            drop(runs);
            let _ = finished_tx.send(true);
        });
        rx
    }

    /// Stops the run in flight on `thread_id` (if this instance runs one for this user) and
    /// waits until its partial output is saved. Returns whether a run was stopped.
    pub(super) async fn cancel(&self, user_id: &str, thread_id: &str) -> bool {
        let (cancel, mut finished) = {
            let runs = self.0.lock().expect("run registry lock");
            match runs.get(thread_id) {
                Some(h) if h.user_id == user_id => (h.cancel.clone(), h.finished.clone()),
                _ => return false,
            }
        };
        cancel.notify_one();
        let _ =
            tokio::time::timeout(Duration::from_secs(10), finished.wait_for(|done| *done)).await;
        true
    }

    /// The run in flight on `thread_id` as a stream: every frame so far, then the rest until
    /// the run ends. With no run (or another instance's) the stream is empty and ends at once.
    pub(super) fn attach(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let tap = match self.0.lock().expect("run registry lock").get(thread_id) {
            Some(h) if h.user_id == user_id => Some(h.tap.clone()),
            _ => None,
        };
        if let Some(tap) = tap {
            // Replay and subscribe under one lock, so no frame is missed or sent twice.
            let mut t = tap.lock().expect("tap lock");
            for frame in &t.frames {
                let _ = tx.send(frame.clone());
            }
            if !t.closed {
                t.listeners.push(tx);
            }
        }
        rx
    }
}
