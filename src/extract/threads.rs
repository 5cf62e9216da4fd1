//! The threads extraction runs on: one per core, fed from one queue. Extraction is CPU work,
//! kept off the async workers so they go on serving sockets. A page waits its turn here as
//! bytes, never as a parsed document. Fixed threads, rather than any idle thread of tokio's
//! blocking pool, keep the parse's allocations on the same few threads: 10-20 % less CPU per
//! domain (docs/benchmarks.md).

use std::panic::{AssertUnwindSafe, catch_unwind};

type Job = Box<dyn FnOnce() + Send>;

/// A handle on the extraction threads; clones share them. The threads end once every handle
/// is dropped and the queue is empty.
#[derive(Clone)]
pub struct ExtractionThreads {
    jobs: flume::Sender<Job>,
}

/// The work did not return a value: it panicked, or no extraction thread could be started.
#[derive(Debug)]
pub struct Lost;

impl ExtractionThreads {
    /// Starts `count` threads (at least one). A thread the system refuses is logged; the others
    /// serve the queue.
    pub fn start(count: usize) -> ExtractionThreads {
        let (jobs, queue) = flume::unbounded::<Job>();
        for index in 0..count.max(1) {
            let queue = queue.clone();
            let started = std::thread::Builder::new().name(format!("extract-{index}")).spawn(move || {
                // A panic ends the job, not the thread: its caller sees `Lost`.
                while let Ok(job) = queue.recv() {
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            });
            if let Err(error) = started {
                tracing::error!(%error, index, "cannot start an extraction thread");
            }
        }
        ExtractionThreads { jobs }
    }

    /// Runs `work` on an extraction thread, after the pages queued before it.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Lost> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs.send(job).map_err(|_| Lost)?;
        answered.await.map_err(|_| Lost)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn work_runs_on_a_named_extraction_thread_and_a_panic_leaves_the_thread_serving() {
        let threads = ExtractionThreads::start(1);
        let name = threads.run(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert_eq!(name.as_deref(), Some("extract-0"));
        assert!(threads.run(|| panic!("a page that breaks the extractor")).await.is_err());
        assert_eq!(threads.run(|| 2 + 2).await.unwrap(), 4, "the one thread still serves the queue");
    }
}
