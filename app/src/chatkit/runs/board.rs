//! The run board: where instances sharing one database tell each other about their turns. A
//! turn is claimed there (one live turn per thread across instances), its frames are mirrored
//! there once another instance asks (a resume there replays, then follows them: a turn nobody
//! follows elsewhere costs no frame writes), a stop for it is posted
//! there (the instance running it stops it), and a turn whose instance died is marked
//! interrupted there. The protocol knows only this trait; `store::runs` implements it on
//! PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{broadcast, mpsc};

use super::super::error::ChatKitError;
use super::super::stream::sse_frame;

/// How a turn ended, as the board keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Finished,
    Stopped,
    Failed,
    /// Its instance died (or stopped answering) mid-turn.
    Interrupted,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Finished => "finished",
            RunOutcome::Stopped => "stopped",
            RunOutcome::Failed => "failed",
            RunOutcome::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> RunOutcome {
        match s {
            "finished" => RunOutcome::Finished,
            "stopped" => RunOutcome::Stopped,
            "interrupted" => RunOutcome::Interrupted,
            _ => RunOutcome::Failed,
        }
    }
}

/// A run on the board: still running, or ended with an outcome. `None` from
/// [`RunBoard::status`] is a run the board does not know (pruned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Ended(RunOutcome),
}

/// What instances announce to each other about a run (by its id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunSignal {
    /// New frames are on the board.
    Frames(String),
    /// The run ended (or was marked interrupted).
    Ended(String),
    /// Someone asked the run to stop.
    Stop(String),
    /// Someone follows the run from another instance: its frames are wanted on the board.
    Want(String),
}

#[async_trait]
pub trait RunBoard: Send + Sync {
    /// Claims `thread_id` for run `run_id` of this instance. `false`: a live run (of a live
    /// instance) holds the thread; a run of a dead instance is marked interrupted first.
    async fn claim(
        &self,
        run_id: &str,
        user_id: &str,
        thread_id: &str,
    ) -> Result<bool, ChatKitError>;
    /// Appends frames `first_seq..` of a run, then announces them.
    async fn append(
        &self,
        run_id: &str,
        first_seq: i32,
        frames: &[Vec<u8>],
    ) -> Result<(), ChatKitError>;
    /// Ends a run (if still live) and announces it.
    async fn finish(&self, run_id: &str, outcome: RunOutcome) -> Result<(), ChatKitError>;
    /// The live run on `thread_id` of `user_id`, on whichever instance.
    async fn live_run(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> Result<Option<String>, ChatKitError>;
    async fn status(&self, run_id: &str) -> Result<Option<RunStatus>, ChatKitError>;
    /// Up to `limit` frames after `after` (`-1`: from the first), in order.
    async fn frames_after(
        &self,
        run_id: &str,
        after: i32,
        limit: i64,
    ) -> Result<Vec<(i32, Vec<u8>)>, ChatKitError>;
    /// Asks the instance running `run_id` to stop it.
    async fn request_stop(&self, run_id: &str) -> Result<(), ChatKitError>;
    /// Asks the instance running `run_id` to mirror its frames to the board.
    async fn request_frames(&self, run_id: &str) -> Result<(), ChatKitError>;
    /// Tells the others this instance lives (and registers it the first time).
    async fn heartbeat(&self) -> Result<(), ChatKitError>;
    /// Marks the live runs of dead instances interrupted; returns how many.
    async fn interrupt_dead(&self) -> Result<usize, ChatKitError>;
    /// Squares the board with this instance's runs in flight (`here`): ends the board's live
    /// runs of this instance that are not among them (their end could not be posted), and
    /// returns those of them the board no longer holds live (another instance took this one
    /// for dead: a database outage longer than the lease).
    async fn reconcile(&self, here: &[String]) -> Result<Vec<String>, ChatKitError>;
    /// Forgets runs (and their frames) that ended more than `age` ago.
    async fn prune(&self, age: Duration) -> Result<u64, ChatKitError>;
    /// Every signal from now on, from every instance (this one included).
    fn signals(&self) -> broadcast::Receiver<RunSignal>;
    /// How long an instance may go without a heartbeat before it counts as dead.
    fn lease(&self) -> Duration;
}

/// How long a stop waits for the run to save its partial answer, as on one instance.
pub(super) const STOP_WAIT: Duration = Duration::from_secs(10);
/// How long a run's end waits for the board (the database may be down); `keep_runs` posts
/// an end that did not get through.
pub(super) const FINISH_WAIT: Duration = Duration::from_secs(3);
/// How often a follower looks at the board when no signal came (a lost `NOTIFY`).
const POLL: Duration = Duration::from_millis(500);
/// Frames per write and per read.
const BATCH: usize = 128;

/// Mirrors a run's frames to the board as they come, in batches, until the sender goes.
pub(super) async fn write_frames(
    board: Arc<dyn RunBoard>,
    run_id: String,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut seq = 0i32;
    let mut batch = Vec::with_capacity(BATCH);
    let mut broken = false;
    while frames.recv_many(&mut batch, BATCH).await > 0 {
        if !broken {
            let mut written = board.append(&run_id, seq, &batch).await;
            if written.is_err() {
                // One retry for a blip.
                tokio::time::sleep(Duration::from_millis(200)).await;
                written = board.append(&run_id, seq, &batch).await;
            }
            if let Err(e) = written {
                // A gap would break a follower's replay: mirror no more of this run (its
                // followers see it end when it does; the saved thread has the answer).
                tracing::warn!(run_id, "frames no longer mirrored to the run board: {e}");
                broken = true;
            }
        }
        seq += batch.len() as i32;
        batch.clear();
    }
}

/// Stops a run of another instance: posts the stop, then waits (at most [`STOP_WAIT`]) for it
/// to end. `true` when it stopped, or is still saving when the wait is over.
pub(super) async fn stop_remote(board: &dyn RunBoard, run_id: &str) -> bool {
    let mut signals = board.signals();
    if let Err(e) = board.request_stop(run_id).await {
        tracing::warn!(run_id, "stop not posted: {e}");
        return false;
    }
    let waited = tokio::time::timeout(STOP_WAIT, async {
        loop {
            if let Ok(Some(RunStatus::Ended(outcome))) = board.status(run_id).await {
                return outcome == RunOutcome::Stopped;
            }
            next_signal(&mut signals, |s| *s == RunSignal::Ended(run_id.into())).await;
        }
    })
    .await;
    waited.unwrap_or(true)
}

/// Waits for a signal `wanted` accepts, or [`POLL`], whichever comes first.
async fn next_signal(
    signals: &mut broadcast::Receiver<RunSignal>,
    wanted: impl Fn(&RunSignal) -> bool,
) {
    let _ = tokio::time::timeout(POLL, async {
        loop {
            match signals.recv().await {
                Ok(s) if wanted(&s) => return,
                Ok(_) => {}
                // Missed some: look at the board now.
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    })
    .await;
}

/// The event a follower gets when the run it follows was lost with its instance.
pub(super) fn interrupted() -> Vec<u8> {
    sse_frame(
        &ChatKitError::unavailable(
            "The server answering this went away mid-answer. Your message is kept; send it \
             again to get an answer.",
        )
        .retryable()
        .event(),
    )
}

/// A run of another instance as a stream: its frames from the first, then the rest as they
/// come, until it ends (a lost run ends with [`interrupted`]) or the client goes.
pub(super) fn follow_remote(
    board: Arc<dyn RunBoard>,
    run_id: String,
) -> mpsc::UnboundedReceiver<Vec<u8>> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut signals = board.signals();
        let mut last = -1;
        let mut ended = None;
        loop {
            // Until the first frame comes, ask again each round (a `NOTIFY` may be lost).
            if last < 0 && ended.is_none() {
                if let Err(e) = board.request_frames(&run_id).await {
                    tracing::warn!(run_id, "asking for a run's frames: {e}");
                }
            }
            let frames = match board.frames_after(&run_id, last, BATCH as i64).await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(run_id, "following a run: {e}");
                    let _ = tx.send(sse_frame(&e.retryable().event()));
                    return;
                }
            };
            let full = frames.len() == BATCH;
            for (seq, frame) in frames {
                last = seq;
                if tx.send(frame).is_err() {
                    return;
                }
            }
            if full {
                continue;
            }
            // Ended when last looked, and everything since read: done.
            if let Some(outcome) = ended {
                if outcome == RunOutcome::Interrupted {
                    let _ = tx.send(interrupted());
                }
                return;
            }
            match board.status(&run_id).await {
                // Frames are all written before a run ends: one more read gets the rest.
                Ok(Some(RunStatus::Ended(outcome))) => ended = Some(outcome),
                Ok(None) => return,
                _ => {
                    let wake = |s: &RunSignal| match s {
                        RunSignal::Frames(r) | RunSignal::Ended(r) => *r == run_id,
                        RunSignal::Stop(_) | RunSignal::Want(_) => false,
                    };
                    tokio::select! {
                        _ = next_signal(&mut signals, wake) => {}
                        _ = tx.closed() => return,
                    }
                }
            }
        }
    });
    rx
}
