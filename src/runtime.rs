//! The one tokio runtime builder: `sockai serve` and `sockai bench` size it with `--threads`,
//! `connect` and `emit` take the default (0: one worker per CPU).

/// A runtime with `threads` workers; 0 means one per CPU.
///
/// 1 is a current-thread runtime. Measured with scripts/bench.sh: on a shared or small machine
/// the work-stealing runtime gave a p99 tail 10-20x longer at 1000 clients; one event loop has
/// no cross-thread wake-ups (and is what Node does too).
pub fn build(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match threads {
        1 => tokio::runtime::Builder::new_current_thread(),
        0 => tokio::runtime::Builder::new_multi_thread(),
        n => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(n);
            builder
        }
    };
    builder.enable_all().build()
}
