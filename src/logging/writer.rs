//! The log writer: lines are appended to one buffer in memory, and a thread of its own writes
//! that buffer out in one `write` per burst.
//!
//! Why not tracing-appender's non-blocking writer: it sends each line through a channel as its
//! own allocation and wakes its thread per line, so under load (two lines per answer, 150k
//! lines/s) its thread spun and wrote a few lines at a time on the event loop's core. Here the
//! thread polls the queue every [`GATHER`] while lines keep coming, and is woken by a logger
//! only after it has been idle long enough to stop polling.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::sync::unpoison;

/// How long the writer lets lines gather before each write: short enough to read as
/// immediate, long enough that a burst of lines costs one write.
const GATHER: Duration = Duration::from_millis(2);

/// Empty polls (of [`GATHER`] each) after which the writer stops polling and sleeps until a
/// line comes: an idle server does not wake up every 2 ms.
const PARK_AFTER: u32 = 50;

/// Bytes queued past which loggers wait for the writer rather than grow the buffer: a
/// developer tool's logs are there to be read, so none are dropped.
const MAX_QUEUED: usize = 8 << 20;

#[derive(Default)]
struct State {
    queued: Vec<u8>,
    /// The writer thread stopped polling and waits for a line (only then does a line wake it).
    parked: bool,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Lines arrived, or the log is closing.
    lines: Condvar,
    /// The writer took the queue: there is room again.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A logger that panicked mid-line leaves at worst half a line: keep logging.
        crate::sync::lock(&self.state)
    }
}

/// Where log lines go; cheap to clone, one per layer.
#[derive(Clone)]
pub struct Sink {
    shared: Arc<Shared>,
}

/// Owns the writer thread; dropping it writes out what is queued and ends the thread.
pub struct Worker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A sink whose lines a new thread writes to `out`.
pub fn spawn(out: impl Write + Send + 'static) -> std::io::Result<(Sink, Worker)> {
    let shared = Arc::new(Shared::default());
    let thread = {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("sockai-log".into())
            .spawn(move || write_out(&shared, out))?
    };
    let sink = Sink {
        shared: Arc::clone(&shared),
    };
    Ok((
        sink,
        Worker {
            shared,
            thread: Some(thread),
        },
    ))
}

impl Sink {
    /// Let `fill` write into the queue itself (no copy of the line); it should write whole
    /// lines.
    pub fn with_queue<R>(&self, fill: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut state = self.shared.lock();
        while state.queued.len() > MAX_QUEUED && !state.closed {
            state = unpoison(self.shared.room.wait(state));
        }
        let result = fill(&mut state.queued);
        if state.parked {
            state.parked = false;
            self.shared.lines.notify_one();
        }
        result
    }
}

fn write_out(shared: &Shared, mut out: impl Write) {
    let mut batch = Vec::new();
    let mut idle_polls = 0;
    loop {
        let closed = {
            let mut state = shared.lock();
            // Lines gather meanwhile, and the thread that logged them goes on first: a logger
            // never wakes this thread while it polls, so an answer's log lines do not put a
            // thread switch and a write in front of the answer itself (measured: 1-client
            // latency). Only closing cuts the wait short, so that exiting costs no 2 ms.
            if !state.closed {
                state = unpoison(shared.lines.wait_timeout(state, GATHER)).0;
            }
            if state.queued.is_empty() && !state.closed {
                if idle_polls < PARK_AFTER {
                    idle_polls += 1;
                    continue;
                }
                // Idle for a while: sleep until a line comes (that one logger wakes us).
                state.parked = true;
                while state.queued.is_empty() && !state.closed {
                    state = unpoison(shared.lines.wait(state));
                }
                state.parked = false;
                idle_polls = 0;
                continue;
            }
            idle_polls = 0;
            std::mem::swap(&mut state.queued, &mut batch);
            state.closed
        };
        shared.room.notify_all();
        // Nowhere to report a failing stderr: the lines are dropped, the server goes on.
        out.write_all(&batch).ok();
        out.flush().ok();
        batch.clear();
        if closed && shared.lock().queued.is_empty() {
            return;
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        // Wakes the writer whether it polls or waits for a line.
        self.shared.lines.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each `write` call.
    #[derive(Clone, Default)]
    struct Calls(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Calls {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().push(bytes.to_vec());
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_and_bursts_share_writes() {
        let calls = Calls::default();
        let (sink, worker) = spawn(calls.clone()).unwrap();
        let expected: Vec<u8> = (0..10_000)
            .flat_map(|n| format!("line {n}\n").into_bytes())
            .collect();
        for n in 0..10_000 {
            sink.with_queue(|queue| queue.extend_from_slice(format!("line {n}\n").as_bytes()));
        }
        drop(worker);
        let calls = calls.0.lock().unwrap();
        assert_eq!(calls.concat(), expected);
        assert!(
            calls.len() < 1000,
            "{} writes for 10,000 lines",
            calls.len()
        );
    }

    #[test]
    fn lines_from_many_threads_stay_whole() {
        let calls = Calls::default();
        let (sink, worker) = spawn(calls.clone()).unwrap();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let sink = sink.clone();
                scope.spawn(move || {
                    for n in 0..1000 {
                        sink.with_queue(|queue| {
                            queue.extend_from_slice(format!("thread {t} line {n}\n").as_bytes())
                        });
                    }
                });
            }
        });
        drop(worker);
        let text = String::from_utf8(calls.0.lock().unwrap().concat()).unwrap();
        assert_eq!(text.lines().count(), 4000);
        assert!(text.lines().all(|line| line.starts_with("thread ")));
    }
}
