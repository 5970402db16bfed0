//! The turns in flight on this instance, at most one per thread: each runs in a task of its own
//! (a client that disconnects does not stop it), can be stopped, and can be re-attached to.
//! With a run board (`board.rs`: instances sharing a PostgreSQL database) the thread is
//! claimed there too, and stop and resume reach turns that run on other instances.

pub mod board;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};
use tokio::task::{AbortHandle, JoinHandle};

use board::{RunBoard, RunOutcome, RunSignal, FINISH_WAIT, STOP_WAIT};

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
    /// The run's id on the board (and in logs).
    run_id: String,
    user_id: String,
    /// The turn's task, once spawned: a run the board lost is dropped, not finished.
    abort: Option<AbortHandle>,
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
    /// The board's copy of the frames (`board::write_frames`), from the moment another
    /// instance asks for them (a client following the run there), and the task writing it.
    mirror: Option<mpsc::UnboundedSender<Vec<u8>>>,
    writer: Option<JoinHandle<()>>,
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
        if let Some(mirror) = &t.mirror {
            let _ = mirror.send(frame.to_vec());
        }
        t.listeners.retain(|l| l.send(frame.to_vec()).is_ok());
    }

    /// Mirrors the run's frames to `board` from the first: those so far, then each as it
    /// comes. Once is enough (a second ask is a no-op), and never after the run ended.
    fn mirror_to(tap: &Mutex<Tap>, board: Arc<dyn RunBoard>, run_id: &str) {
        let mut t = lock(tap);
        if t.mirror.is_some() || t.closed {
            return;
        }
        let (mirror, frames) = mpsc::unbounded_channel();
        for frame in &t.frames {
            let _ = mirror.send(frame.clone());
        }
        t.mirror = Some(mirror);
        t.writer = Some(tokio::spawn(board::write_frames(
            board,
            run_id.to_string(),
            frames,
        )));
    }

    fn close(tap: &Mutex<Tap>) {
        let mut t = lock(tap);
        t.closed = true;
        t.listeners.clear();
        t.mirror = None;
    }
}

type Registry = Arc<Mutex<HashMap<String, RunHandle>>>;
/// The registry as the background tasks hold it: they end when the registry goes.
type WeakRegistry = Weak<Mutex<HashMap<String, RunHandle>>>;

/// The run registry: one handle per thread with a turn in flight here, and the board shared
/// with other instances, if any.
#[derive(Clone, Default)]
pub(super) struct Runs {
    registry: Registry,
    board: Option<Arc<dyn RunBoard>>,
}

/// The answer to a second turn on a thread.
fn busy() -> ChatKitError {
    ChatKitError::new(
        409,
        "conflict",
        "the assistant is still answering in this conversation; wait for the answer or stop \
         it, then send again",
    )
}

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
    run_id: String,
    tap: Arc<Mutex<Tap>>,
    state: watch::Sender<RunState>,
    outcome: RunState,
    /// The board holding the claim, until the run's end is posted there.
    board: Option<Arc<dyn RunBoard>>,
}

impl RunEnd {
    /// Posts the end to the board after the last frame is mirrored (so a follower that sees
    /// the end has every frame), then ends the run here.
    async fn finish(mut self, outcome: RunOutcome) {
        if outcome == RunOutcome::Stopped {
            self.outcome = RunState::Stopped;
        }
        // No frame after this one; and no mirror starts any more.
        let writer = {
            let mut t = lock(&self.tap);
            t.mirror = None;
            t.closed = true;
            t.writer.take()
        };
        if let Some(board) = self.board.take() {
            let posted = tokio::time::timeout(FINISH_WAIT, async {
                if let Some(writer) = writer {
                    let _ = writer.await;
                }
                board.finish(&self.run_id, outcome).await
            })
            .await;
            match posted {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(run_id = self.run_id, "run end not posted: {e}"),
                Err(_) => tracing::warn!(run_id = self.run_id, "run end not posted in time"),
            }
        }
        drop(self);
    }
}

impl Drop for RunEnd {
    fn drop(&mut self) {
        // Not finished (a failed request, a panic): the claim on the board goes too.
        if let Some(board) = self.board.take() {
            let run_id = self.run_id.clone();
            tokio::spawn(async move {
                let _ = board.finish(&run_id, RunOutcome::Failed).await;
            });
        }
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
    /// A registry that shares its turns with other instances through `board`: it also
    /// relays stops posted there to its own turns, and keeps its place on the board.
    pub(super) fn with_board(board: Arc<dyn RunBoard>) -> Runs {
        let runs = Runs {
            registry: Registry::default(),
            board: Some(board.clone()),
        };
        tokio::spawn(relay_signals(Arc::downgrade(&runs.registry), board.clone()));
        tokio::spawn(keep_runs(Arc::downgrade(&runs.registry), board));
        runs
    }

    /// Reserves `thread_id` for one turn, here and on the board; a turn already in flight
    /// there (on any instance) is 409.
    pub(super) async fn claim(&self, user_id: &str, thread_id: &str) -> Result<Slot, ChatKitError> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let run_id = super::store::new_id("run");
        let cancel = Arc::new(Notify::new());
        let (state_tx, state) = watch::channel(RunState::Running);
        let tap = Arc::new(Mutex::new(Tap::default()));
        {
            let mut runs = lock(&self.registry);
            if runs.contains_key(thread_id) {
                return Err(busy());
            }
            runs.insert(
                thread_id.to_string(),
                RunHandle {
                    run,
                    run_id: run_id.clone(),
                    user_id: user_id.to_string(),
                    abort: None,
                    cancel: cancel.clone(),
                    state,
                    tap: tap.clone(),
                },
            );
        }
        let mut end = RunEnd {
            registry: self.registry.clone(),
            thread_id: thread_id.to_string(),
            run,
            run_id,
            tap,
            state: state_tx,
            outcome: RunState::Ended,
            board: None,
        };
        if let Some(board) = &self.board {
            // Dropping `end` on the way out frees the thread here again.
            if !board.claim(&end.run_id, user_id, thread_id).await? {
                return Err(busy());
            }
            end.board = Some(board.clone());
        }
        Ok(Slot { end, cancel })
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
        let span = tracing::info_span!("turn", thread_id = %thread.id, run_id = %end.run_id);
        let thread_id = thread.id.clone();
        let run = end.run;
        let mut stream = ThreadStream::new(ctx, thread, tx, end.tap.clone());
        let turn = async move {
            // Counted as an error if the task goes away unfinished (a panic).
            let timer = Turn::start();
            // `end` drops at the end of the task, or while unwinding if the task panics.
            let stopped = stream.run(pre, work, responder, cancel).await;
            let outcome = match (stopped, lock(&end.tap).errored) {
                (true, _) => RunOutcome::Stopped,
                (false, true) => RunOutcome::Failed,
                (false, false) => RunOutcome::Finished,
            };
            end.finish(outcome).await;
            // The client's stream ends after the run is over everywhere.
            drop(stream);
            // The outcome's name in metrics and logs.
            let outcome = match outcome {
                RunOutcome::Stopped => "stopped",
                RunOutcome::Failed | RunOutcome::Interrupted => "error",
                RunOutcome::Finished => "ok",
            };
            let took = timer.finish(outcome);
            tracing::info!(outcome, duration_ms = millis(took), "turn finished");
        };
        let task = tokio::spawn(tracing::Instrument::instrument(turn, span));
        if let Some(h) = lock(&self.registry).get_mut(&thread_id) {
            if h.run == run {
                h.abort = Some(task.abort_handle());
            }
        }
        rx
    }

    /// Stops the run in flight on `thread_id` for this user, here or on another instance,
    /// and waits until its partial output is saved. Returns whether a run was stopped: a run
    /// that ended on its own meanwhile (or failed, or never started) was not.
    pub(super) async fn cancel(&self, user_id: &str, thread_id: &str) -> bool {
        let local = {
            let runs = lock(&self.registry);
            match runs.get(thread_id) {
                Some(h) if h.user_id == user_id => Some((h.cancel.clone(), h.state.clone())),
                Some(_) => return false,
                None => None,
            }
        };
        let Some((cancel, mut state)) = local else {
            return match self.remote_run(user_id, thread_id).await {
                Some((board, run_id)) => board::stop_remote(board.as_ref(), &run_id).await,
                None => false,
            };
        };
        cancel.notify_one();
        let waited =
            tokio::time::timeout(STOP_WAIT, state.wait_for(|s| *s != RunState::Running)).await;
        match waited {
            Ok(Ok(s)) => *s == RunState::Stopped,
            // The sender went without a word: the run is gone.
            Ok(Err(_)) => false,
            // Still saving after 10 s: the stop is under way.
            Err(_) => true,
        }
    }

    /// The run in flight on `thread_id` as a stream: every frame so far, then the rest until
    /// the run ends; a run of another instance is followed on the board. With no run the
    /// stream is empty and ends at once.
    pub(super) async fn attach(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let tap = match lock(&self.registry).get(thread_id) {
            Some(h) if h.user_id == user_id => Some(h.tap.clone()),
            Some(_) => return rx,
            None => None,
        };
        let Some(tap) = tap else {
            return match self.remote_run(user_id, thread_id).await {
                Some((board, run_id)) => board::follow_remote(board, run_id),
                None => rx,
            };
        };
        // Replay and subscribe under one lock, so no frame is missed or sent twice.
        let mut t = lock(&tap);
        for frame in &t.frames {
            let _ = tx.send(frame.clone());
        }
        if !t.closed {
            t.listeners.push(tx);
        }
        rx
    }

    /// The board and the id of the user's live run on `thread_id` on another instance.
    async fn remote_run(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> Option<(Arc<dyn RunBoard>, String)> {
        let board = self.board.clone()?;
        match board.live_run(user_id, thread_id).await {
            Ok(run) => run.map(|r| (board, r)),
            Err(e) => {
                tracing::warn!(thread_id, "run board unreadable: {e}");
                None
            }
        }
    }
}

/// Acts on what other instances post about this instance's runs: a stop stops the run, a
/// follower's ask starts mirroring its frames. Ends with the registry.
async fn relay_signals(registry: WeakRegistry, board: Arc<dyn RunBoard>) {
    let mut signals = board.signals();
    loop {
        let signal = signals.recv().await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        match signal {
            Ok(RunSignal::Stop(run_id)) => {
                let runs = lock(&registry);
                if let Some(h) = runs.values().find(|h| h.run_id == run_id) {
                    h.cancel.notify_one();
                }
            }
            Ok(RunSignal::Want(run_id)) => {
                let runs = lock(&registry);
                if let Some(h) = runs.values().find(|h| h.run_id == run_id) {
                    Tap::mirror_to(&h.tap, board.clone(), &run_id);
                }
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Every third of the lease: tells the board this instance lives, marks the runs of dead
/// instances interrupted (their followers end), squares the board with the runs here (posts
/// ends that did not get through; drops local runs the board gave up on, as after an outage
/// longer than the lease another instance may have taken the thread on), and forgets runs
/// ended ten minutes ago. Ends with the registry.
async fn keep_runs(registry: WeakRegistry, board: Arc<dyn RunBoard>) {
    const KEEP_ENDED: Duration = Duration::from_secs(600);
    let mut tick = tokio::time::interval(board.lease() / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        if let Err(e) = board.heartbeat().await {
            tracing::warn!("run board heartbeat: {e}");
            continue;
        }
        if let Err(e) = board.interrupt_dead().await {
            tracing::warn!("run board sweep: {e}");
        }
        let here: Vec<String> = lock(&registry).values().map(|h| h.run_id.clone()).collect();
        match board.reconcile(&here).await {
            Ok(lost) => {
                let runs = lock(&registry);
                for h in runs.values().filter(|h| lost.contains(&h.run_id)) {
                    tracing::warn!(run_id = h.run_id, "run taken for dead elsewhere; dropped");
                    if let Some(abort) = &h.abort {
                        abort.abort();
                    }
                }
            }
            Err(e) => tracing::warn!("run board reconcile: {e}"),
        }
        if last_prune.elapsed() >= KEEP_ENDED / 10 {
            last_prune = tokio::time::Instant::now();
            if let Err(e) = board.prune(KEEP_ENDED).await {
                tracing::warn!("run board prune: {e}");
            }
        }
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
