//! A bounded worker pool for one layer: at most `jobs` items run at a time on
//! crossbeam scoped threads, and every result comes back to the calling
//! thread as soon as it is ready, so that thread alone talks to the terminal.
//! Also [`map_ordered`], for read-only work whose results are wanted in order.

use std::num::NonZeroUsize;

use crossbeam::channel;

/// A worker thread panicked; the results of the others were delivered.
#[derive(Debug)]
pub struct WorkerPanicked;

/// Runs `work` on every item, on at most `jobs` threads, calling `done` on
/// the calling thread with each result as soon as its chunk is finished.
/// The `inline` items are worked on the calling thread itself, in order,
/// while the other threads take the rest (so still at most `jobs` items
/// run at a time).
pub fn run_all<T, R>(
    jobs: NonZeroUsize,
    items: Vec<T>,
    inline: Vec<T>,
    work: impl Fn(T) -> R + Sync,
    mut done: impl FnMut(R),
) -> Result<(), WorkerPanicked>
where
    T: Send,
    R: Send,
{
    let threads = if inline.is_empty() { jobs.get() } else { jobs.get() - 1 };
    let workers = threads.min(items.len());
    // One item, or one job: threads would only add their start-up cost.
    if workers <= 1 && (workers == 0 || inline.is_empty()) {
        inline.into_iter().chain(items).for_each(|item| done(work(item)));
        return Ok(());
    }
    // Items go out in chunks: ten thousand links would otherwise cost ten
    // thousand channel hand-offs each way, more than the links themselves.
    // Eight chunks per worker keep the load balanced when some items (a
    // command among links) are slow; a small layer still goes item by item.
    let chunk_len = (items.len() / (workers * 8)).max(1);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk_len).collect());
    }
    let (chunk_tx, chunk_rx) = channel::bounded(chunks.len());
    for chunk in chunks {
        // The channel has room for every chunk and its receiver is alive.
        let _ = chunk_tx.send(chunk);
    }
    drop(chunk_tx);
    let (result_tx, result_rx) = channel::unbounded::<Vec<R>>();
    let work = &work;
    crossbeam::thread::scope(|scope| {
        for _ in 0..workers {
            let (chunks, results) = (chunk_rx.clone(), result_tx.clone());
            scope.spawn(move |_| {
                for chunk in chunks {
                    if results.send(chunk.into_iter().map(work).collect()).is_err() {
                        break;
                    }
                }
            });
        }
        // The loop below ends when the last worker drops its sender.
        drop(result_tx);
        inline.into_iter().for_each(|item| done(work(item)));
        for results in result_rx {
            results.into_iter().for_each(&mut done);
        }
    })
    .map_err(|_| WorkerPanicked)
}

/// Below this many items, [`map_ordered`] stays on the calling thread:
/// starting a thread costs about as much as a few dozen system calls.
const PARALLEL_FROM: usize = 512;

/// `items.iter().map(work).collect()`, spread over at most `jobs` threads
/// (the calling thread among them), each taking one contiguous share, so
/// that neighbouring items (targets in one folder) stay on one thread.
pub fn map_ordered<T, R>(jobs: NonZeroUsize, items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = jobs.get().min(items.len().div_ceil(PARALLEL_FROM)).max(1);
    if threads == 1 {
        return items.iter().map(work).collect();
    }
    let share = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let mut shares = items.chunks(share);
        let first = shares.next().unwrap_or_default();
        let others: Vec<_> = shares
            .map(|share| scope.spawn(move || share.iter().map(work).collect::<Vec<R>>()))
            .collect();
        let mut results: Vec<R> = first.iter().map(work).collect();
        for other in others {
            match other.join() {
                Ok(more) => results.extend(more),
                // The work does not panic; if it did, it does so here too.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn jobs(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
    }

    #[test]
    fn every_item_is_done_once() {
        let mut results = Vec::new();
        run_all(jobs(4), (0..100).collect(), Vec::new(), |n| n * 2, |r| results.push(r))
            .expect("no panic");
        results.sort();
        assert_eq!(results, (0..100).map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn no_more_than_jobs_run_at_once() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let work = |_: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
        };
        for inline in [Vec::new(), (20..30).collect()] {
            peak.store(0, Ordering::SeqCst);
            run_all(jobs(3), (0..20).collect(), inline, work, |()| {}).expect("no panic");
            assert!(peak.load(Ordering::SeqCst) <= 3);
            assert!(peak.load(Ordering::SeqCst) >= 2, "items did not run in parallel");
        }
    }

    #[test]
    fn inline_items_run_on_the_calling_thread_beside_the_others() {
        let caller = std::thread::current().id();
        let mut results = Vec::new();
        let work = |n: u32| (n, std::thread::current().id());
        run_all(jobs(2), (0..10).collect(), vec![100, 101], work, |r| results.push(r))
            .expect("no panic");
        assert_eq!(results.len(), 12);
        for (n, thread) in results {
            assert_eq!(thread == caller, n >= 100, "item {n}");
        }
    }

    #[test]
    fn map_ordered_keeps_the_order_and_uses_the_threads() {
        let items: Vec<usize> = (0..PARALLEL_FROM * 3).collect();
        let doubled = map_ordered(jobs(2), &items, |n| (n * 2, std::thread::current().id()));
        let values: Vec<usize> = doubled.iter().map(|(n, _)| *n).collect();
        assert_eq!(values, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        let threads: std::collections::HashSet<_> = doubled.iter().map(|(_, id)| *id).collect();
        assert_eq!(threads.len(), 2);
        let few = map_ordered(jobs(2), &items[..10], |_| std::thread::current().id());
        assert!(few.iter().all(|id| *id == std::thread::current().id()));
    }

    #[test]
    fn one_job_runs_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let mut threads = Vec::new();
        run_all(
            jobs(1),
            vec![1, 2],
            vec![3],
            |_| std::thread::current().id(),
            |id| threads.push(id),
        )
        .expect("no panic");
        assert_eq!(threads, [caller, caller, caller]);
    }
}
