//! The turns in flight on this instance, at most one per thread: each runs in a task of its own
//! (a client that disconnects does not stop it), can be stopped, and can be re-attached to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};

use super::error::ChatKitError;
use super::server::{RespondContext, Responder};
use super::stream::{Preamble, ThreadStream, Work};
use super::types::ThreadMetadata;
use crate::metrics::{millis, Turn};

/// Where a run is: a stop waits for `Stopped`; a run that ended any other way (finished,
/// failed, panicked, or never started) is `Ended`, so a stop does not claim it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RunState {
    Running,
    Stopped,
    Ended,
}

/// A turn in flight (or about to start), registered by thread so an explicit stop or a
/// re-attaching client can reach it (per instance).
struct RunHandle {
    run: u64,
    user_id: String,
    cancel: Arc<Notify>,
    state: watch::Receiver<RunState>,
    tap: Arc<Mutex<Tap>>,
}

/// Every frame a run has sent so far, and the clients re-attached to it: a client that
/// reloads mid-turn gets the whole turn replayed, then the rest live.
#[derive(Default)]
pub(super) struct Tap {
    frames: Vec<Vec<u8>>,
    listeners: Vec<mpsc::UnboundedSender<Vec<u8>>>,
    closed: bool,
    /// Whether an `error` event went out: the turn's outcome in metrics and logs.
    errored: bool,
}

/// How every `error` event's frame begins (`sse_frame`; the test below holds it to that).
const ERROR_FRAME: &[u8] = br#"data: {"type":"error""#;

/// A lock that a panic elsewhere does not poison for good: the registry and taps must stay
/// usable (and their clean-up must not panic again while unwinding).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Tap {
    /// Keeps a frame for later re-attachments and forwards it to the current ones.
    pub(super) fn record(tap: &Mutex<Tap>, frame: &[u8]) {
        let mut t = lock(tap);
        t.errored |= frame.starts_with(ERROR_FRAME);
        t.frames.push(frame.to_vec());
        t.listeners.retain(|l| l.send(frame.to_vec()).is_ok());
    }

    fn close(tap: &Mutex<Tap>) {
        let mut t = lock(tap);
        t.closed = true;
        t.listeners.clear();
    }
}

type Registry = Arc<Mutex<HashMap<String, RunHandle>>>;

/// The run registry: one handle per thread with a turn in flight.
#[derive(Clone, Default)]
pub(super) struct Runs(Registry);

/// A thread's place in the registry, taken before a request changes anything: it becomes the
/// run (`Runs::spawn`), or, dropped first (the request failed), frees the thread again.
pub(super) struct Slot {
    end: RunEnd,
    cancel: Arc<Notify>,
}

/// Takes a run out of the registry when it ends, however it ends (a panic included): closes
/// its tap (re-attached streams end), frees the thread, and tells a waiting stop.
struct RunEnd {
    registry: Registry,
    thread_id: String,
    run: u64,
    tap: Arc<Mutex<Tap>>,
    state: watch::Sender<RunState>,
    outcome: RunState,
}

impl RunEnd {
    fn finish(mut self, stopped: bool) {
        if stopped {
            self.outcome = RunState::Stopped;
        }
        drop(self);
    }
}

impl Drop for RunEnd {
    fn drop(&mut self) {
        Tap::close(&self.tap);
        let mut runs = lock(&self.registry);
        if runs.get(&self.thread_id).is_some_and(|h| h.run == self.run) {
            runs.remove(&self.thread_id);
        }
        drop(runs);
        let _ = self.state.send(self.outcome);
    }
}

impl Runs {
    /// Reserves `thread_id` for one turn; a turn already in flight there is 409.
    pub(super) fn claim(&self, user_id: &str, thread_id: &str) -> Result<Slot, ChatKitError> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let mut runs = lock(&self.0);
        if runs.contains_key(thread_id) {
            return Err(ChatKitError::new(
                409,
                "conflict",
                "the assistant is still answering in this conversation; wait for the answer \
                 or stop it, then send again",
            ));
        }
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let cancel = Arc::new(Notify::new());
        let (state_tx, state) = watch::channel(RunState::Running);
        let tap = Arc::new(Mutex::new(Tap::default()));
        runs.insert(
            thread_id.to_string(),
            RunHandle {
                run,
                user_id: user_id.to_string(),
                cancel: cancel.clone(),
                state,
                tap: tap.clone(),
            },
        );
        Ok(Slot {
            end: RunEnd {
                registry: self.0.clone(),
                thread_id: thread_id.to_string(),
                run,
                tap,
                state: state_tx,
                outcome: RunState::Ended,
            },
            cancel,
        })
    }

    /// Starts the turn of a claimed slot in a task of its own; the receiver gets its frames.
    pub(super) fn spawn(
        &self,
        slot: Slot,
        ctx: RespondContext,
        thread: ThreadMetadata,
        pre: Preamble,
        work: Work,
        responder: Arc<dyn Responder>,
    ) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let Slot { end, cancel } = slot;
        let span = tracing::info_span!("turn", thread_id = %thread.id);
        let mut stream = ThreadStream::new(ctx, thread, tx, end.tap.clone());
        let turn = async move {
            // Counted as an error if the task goes away unfinished (a panic).
            let timer = Turn::start();
            // `end` drops at the end of the task, or while unwinding if the task panics.
            let stopped = stream.run(pre, work, responder, cancel).await;
            let outcome = match (stopped, lock(&end.tap).errored) {
                (true, _) => "stopped",
                (false, true) => "error",
                (false, false) => "ok",
            };
            end.finish(stopped);
            let took = timer.finish(outcome);
            tracing::info!(outcome, duration_ms = millis(took), "turn finished");
        };
        tokio::spawn(tracing::Instrument::instrument(turn, span));
        rx
    }

    /// Stops the run in flight on `thread_id` (if this instance runs one for this user) and
    /// waits until its partial output is saved. Returns whether a run was stopped: a run that
    /// ended on its own meanwhile (or failed, or never started) was not.
    pub(super) async fn cancel(&self, user_id: &str, thread_id: &str) -> bool {
        let (cancel, mut state) = {
            let runs = lock(&self.0);
            match runs.get(thread_id) {
                Some(h) if h.user_id == user_id => (h.cancel.clone(), h.state.clone()),
                _ => return false,
            }
        };
        cancel.notify_one();
        let waited = tokio::time::timeout(
            Duration::from_secs(10),
            state.wait_for(|s| *s != RunState::Running),
        )
        .await;
        match waited {
            Ok(Ok(s)) => *s == RunState::Stopped,
            // The sender went without a word: the run is gone.
            Ok(Err(_)) => false,
            // Still saving after 10 s: the stop is under way.
            Err(_) => true,
        }
    }

    /// The run in flight on `thread_id` as a stream: every frame so far, then the rest until
    /// the run ends. With no run (or another instance's) the stream is empty and ends at once.
    pub(super) fn attach(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let tap = match lock(&self.0).get(thread_id) {
            Some(h) if h.user_id == user_id => Some(h.tap.clone()),
            _ => None,
        };
        if let Some(tap) = tap {
            // Replay and subscribe under one lock, so no frame is missed or sent twice.
            let mut t = lock(&tap);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_events_are_told_by_their_frames_first_bytes() {
        let error = super::super::stream::sse_frame(&ChatKitError::internal("x").event());
        assert!(
            error.starts_with(ERROR_FRAME),
            "{}",
            String::from_utf8_lossy(&error)
        );
        let tap = Mutex::new(Tap::default());
        Tap::record(&tap, b"data: {\"type\":\"stream_options\"}\n\n");
        assert!(!lock(&tap).errored);
        Tap::record(&tap, &error);
        assert!(lock(&tap).errored);
    }
}
