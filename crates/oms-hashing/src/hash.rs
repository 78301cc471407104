//! Hashing a list of files into resources, in parallel across files and shards.
//!
//! Work is a list of tasks (a whole file, or one shard), taken largest first from a shared
//! counter by one loop per thread, so a big file starts early and the other threads work
//! through the rest meanwhile. Each thread streams through one reusable 64 KiB buffer (faster
//! than 1 MiB here: it stays in cache), so memory does not grow with the model. Two cases get
//! the idle threads' help: a long SHA-256/BLAKE2b stream (they read ahead for it, see
//! `prefetch`) and a long BLAKE3 file (hashed as parallel subtrees, see `blake3_tree`).

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rayon::ThreadPool;

use oms_format::manifest::{
    parse_shard_name, shard_name, sort_resources, Digest, HashAlgorithm, Method, Resource,
};
use oms_format::statement::MAX_RESOURCES;

use crate::blake3_tree;
use crate::error::HashError;
use crate::hasher::StreamHasher;
use crate::listed_file::{check_same_file, check_unchanged, open};
use crate::options::HashOptions;
use crate::prefetch::Prefetch;
use crate::walk::ModelFile;

const READ_BUFFER: usize = 64 * 1024;
/// Streams at least this long get read-ahead from idle threads.
const READ_AHEAD_MIN: u64 = 16 * 1024 * 1024;
/// Progress is reported in batches of about this many bytes, to keep the callback cheap.
const PROGRESS_BATCH: u64 = 1024 * 1024;

/// One unit of work: a whole file, or the byte range `[start, end)` of one.
struct Task<'a> {
    file: &'a ModelFile,
    range: Option<(u64, u64)>,
}

impl Task<'_> {
    fn weight(&self) -> u64 {
        match self.range {
            Some((start, end)) => end.saturating_sub(start),
            None => self.file.len,
        }
    }

    fn resource_name(&self) -> String {
        match self.range {
            Some((start, end)) => shard_name(&self.file.name, start, end),
            None => self.file.name.clone(),
        }
    }
}

/// Hashes `files` into resources sorted in the reference's order.
///
/// Files: one resource per file, `H(whole file)`. Shards: one per `shard_size` bytes of each
/// non-empty file (an empty file gives none). BLAKE3 always hashes whole files (see
/// [`HashOptions::effective_method`]). `progress` receives byte counts as they are hashed.
/// A file that is not the one listed any more (another file, a link, another size) or that
/// changed size while being read is an error ([`HashError::Changed`]), never a digest.
pub fn hash_files(
    files: &[ModelFile],
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Resource>, HashError> {
    hash_files_in(None, files, opts, progress)
}

/// Sees every byte as it is hashed, to work on the same bytes without a second read (and without
/// a window between the hash and the other use). Called from hashing threads; within one whole
/// file the calls come in offset order, the shards of one file may come in any order.
pub trait HashObserver: Sync {
    fn observe(&self, file: &ModelFile, offset: u64, bytes: &[u8]);
}

/// [`hash_files`], showing every byte hashed to `observer`. Long BLAKE3 files are then hashed
/// as one stream instead of parallel subtrees (same digest), so the bytes arrive in order.
pub fn hash_files_observed(
    files: &[ModelFile],
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
    observer: &dyn HashObserver,
) -> Result<Vec<Resource>, HashError> {
    hash_files_with(None, files, opts, progress, Some(observer))
}

/// The resource names [`hash_files`] would produce for `files`, without reading them (the
/// listing a verifier compares with the manifest before hashing anything).
pub fn resource_names(files: &[ModelFile], opts: &HashOptions) -> Result<Vec<String>, HashError> {
    Ok(plan(files, opts.effective_method())?
        .iter()
        .map(Task::resource_name)
        .collect())
}

/// [`hash_files`] on a given pool of `opts.worker_count()` threads (one is made if needed).
pub(crate) fn hash_files_in(
    pool: Option<&ThreadPool>,
    files: &[ModelFile],
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Resource>, HashError> {
    hash_files_with(pool, files, opts, progress, None)
}

fn hash_files_with(
    pool: Option<&ThreadPool>,
    files: &[ModelFile],
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
    observer: Option<&dyn HashObserver>,
) -> Result<Vec<Resource>, HashError> {
    let method = opts.effective_method();
    let tasks = plan(files, method)?;
    let digests = run(pool, &tasks, opts, progress, observer)?;
    let algorithm = opts.algorithm_name();
    let mut resources: Vec<Resource> = tasks
        .iter()
        .zip(digests)
        .map(|(task, value)| Resource {
            name: task.resource_name(),
            digest: Digest::new(algorithm.clone(), value),
        })
        .collect();
    sort_resources(&mut resources, method)?;
    Ok(resources)
}

fn plan(files: &[ModelFile], method: Method) -> Result<Vec<Task<'_>>, HashError> {
    let shard_size = match method {
        Method::Files => {
            return Ok(files
                .iter()
                .map(|file| Task { file, range: None })
                .collect())
        }
        Method::Shards { shard_size: 0 } => return Err(HashError::ZeroShardSize),
        Method::Shards { shard_size } => shard_size,
    };
    // Count before allocating: a sparse file may claim any size. More shards than a
    // verifier reads could never verify anyway.
    let count = files.iter().fold(0u64, |sum, f| {
        sum.saturating_add(f.len.div_ceil(shard_size))
    });
    let limit = u64::try_from(MAX_RESOURCES).unwrap_or(u64::MAX);
    if count > limit {
        return Err(HashError::TooManyResources { count, limit });
    }
    let mut tasks = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    for file in files.iter().filter(|f| f.len > 0) {
        // A `:` in the path would make the shard name unparsable (the reference signs it
        // but can never verify it): refuse before hashing anything.
        let first = shard_name(&file.name, 0, file.len.min(shard_size));
        parse_shard_name(&first).map_err(|source| HashError::InvalidName {
            name: file.name.clone(),
            source,
        })?;
        let mut start = 0;
        while start < file.len {
            let end = start.saturating_add(shard_size).min(file.len);
            tasks.push(Task {
                file,
                range: Some((start, end)),
            });
            start = end;
        }
    }
    Ok(tasks)
}

/// A task's index and its digest.
type TaskResult = (usize, Result<Vec<u8>, HashError>);

/// Hashes every task; the digests come back in task order.
fn run(
    pool: Option<&ThreadPool>,
    tasks: &[Task<'_>],
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
    observer: Option<&dyn HashObserver>,
) -> Result<Vec<Vec<u8>>, HashError> {
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(tasks.get(i).map_or(0, Task::weight)));

    let workers = opts.worker_count();
    // BLAKE3 already spreads one stream over the pool (and its helpers must stay free to
    // steal that work), so read-ahead is for the other algorithms.
    let read_ahead = workers > 1 && opts.algorithm != HashAlgorithm::Blake3;
    let streams = Streams::default();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || {
        let mut reader = Reader::new(opts.algorithm, observer);
        let mut done = Vec::new();
        let mut unreported = 0u64;
        let mut report = |n| {
            unreported += n;
            if unreported >= PROGRESS_BATCH {
                progress(unreported);
                unreported = 0;
            }
        };
        while !failed.load(Ordering::Relaxed) {
            let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let Some(task) = tasks.get(index) else { break };
            let shared = (read_ahead && task.weight() >= READ_AHEAD_MIN).then_some(&streams);
            let result = reader.hash(task, shared, &mut report);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((index, result));
        }
        if unreported > 0 {
            progress(unreported);
        }
        if read_ahead {
            streams.help_until_done();
        }
        done
    };

    let pool_needed = opts.algorithm == HashAlgorithm::Blake3
        || workers > 1 && (tasks.len() > 1 || tasks.iter().any(|t| t.weight() >= READ_AHEAD_MIN));
    let per_worker: Vec<Vec<TaskResult>> = if pool_needed {
        // Inside the pool, BLAKE3's own parallelism uses these threads, not the global pool.
        let owned;
        let pool = match pool {
            Some(pool) => pool,
            None => {
                owned = build_pool(workers)?;
                &owned
            }
        };
        pool.broadcast(|_| worker())
    } else {
        vec![worker()]
    };

    let mut digests: Vec<Option<Vec<u8>>> = vec![None; tasks.len()];
    let mut first_error: Option<(usize, HashError)> = None;
    for (index, result) in per_worker.into_iter().flatten() {
        match result {
            Ok(d) => {
                if let Some(slot) = digests.get_mut(index) {
                    *slot = Some(d);
                }
            }
            Err(e) => {
                if first_error.as_ref().is_none_or(|(i, _)| index < *i) {
                    first_error = Some((index, e));
                }
            }
        }
    }
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    all_digests(digests)
}

/// Every task was taken exactly once (the counter hands out each index once) and none failed,
/// so every slot is filled; if that ever breaks, an empty digest must not be signed.
fn all_digests(digests: Vec<Option<Vec<u8>>>) -> Result<Vec<Vec<u8>>, HashError> {
    digests
        .into_iter()
        .enumerate()
        .map(|(index, digest)| digest.ok_or(HashError::MissingDigest { index }))
        .collect()
}

#[cfg(test)]
mod invariant_tests {
    use super::*;

    #[test]
    fn a_missing_digest_is_an_internal_error_not_an_empty_digest() {
        assert_eq!(all_digests(vec![Some(vec![1])]).unwrap(), [vec![1]]);
        assert!(matches!(
            all_digests(vec![Some(vec![1]), None]),
            Err(HashError::MissingDigest { index: 1 })
        ));
    }
}

/// A pool of `workers` threads.
pub(crate) fn build_pool(workers: usize) -> Result<ThreadPool, HashError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| HashError::ThreadPool {
            workers,
            message: e.to_string(),
        })
}

/// A thread's reading state: its reusable buffer, and who else sees the bytes.
struct Reader<'o> {
    algorithm: HashAlgorithm,
    buf: Vec<u8>,
    observer: Option<&'o dyn HashObserver>,
}

impl<'o> Reader<'o> {
    fn new(algorithm: HashAlgorithm, observer: Option<&'o dyn HashObserver>) -> Self {
        Self {
            algorithm,
            buf: vec![0; READ_BUFFER],
            observer,
        }
    }

    fn hash(
        &mut self,
        task: &Task<'_>,
        streams: Option<&Streams>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>, HashError> {
        let file = open(task.file)?;
        // Before any read: a FIFO, device or other file put at the listed path is not read.
        check_same_file(task.file, &file)?;
        let mut hashed = 0u64;
        let mut counted = |n: u64| {
            hashed = hashed.saturating_add(n);
            progress(n);
        };
        let digest = self.hash_open(task, &file, streams, &mut counted)?;
        check_unchanged(task.file, &file, hashed, task.weight())?;
        Ok(digest)
    }

    fn hash_open(
        &mut self,
        task: &Task<'_>,
        file: &File,
        streams: Option<&Streams>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>, HashError> {
        let path = &task.file.path;
        let io_err = |e| HashError::io(path, e);
        let mut hasher = StreamHasher::new(self.algorithm);
        let observer = self.observer;
        let mut seen = task.range.map_or(0, |(start, _)| start);
        let mut observe = |data: &[u8]| {
            if let Some(o) = observer {
                o.observe(task.file, seen, data);
                seen = seen.saturating_add(data.len() as u64);
            }
        };
        if observer.is_none()
            && self.algorithm == HashAlgorithm::Blake3
            && task.range.is_none()
            && task.weight() >= 2 * blake3_tree::BLOCK
        {
            return blake3_tree::hash_file(file, task.weight(), progress).map_err(io_err);
        }
        if let Some(streams) = streams {
            let (start, end) = match task.range {
                Some((start, end)) => (start, Some(end)),
                None => (0, None),
            };
            let stream = Arc::new(Prefetch::new(file.try_clone().map_err(io_err)?, start, end));
            streams.publish(&stream);
            let result = stream.stream(start, &mut |data| {
                hasher.update(data);
                observe(data);
                progress(data.len() as u64);
            });
            streams.retire(&stream);
            result.map_err(io_err)?;
            return Ok(hasher.finalize());
        }
        match task.range {
            None => loop {
                let n = match (&*file).read(&mut self.buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_err(e)),
                };
                let data = self.buf.get(..n).unwrap_or_default();
                hasher.update(data);
                observe(data);
                progress(n as u64);
            },
            Some((start, end)) => {
                let mut pos = start;
                while pos < end {
                    let want = usize::try_from(end - pos)
                        .map_or(self.buf.len(), |w| w.min(self.buf.len()));
                    let Some(buf) = self.buf.get_mut(..want) else {
                        break;
                    };
                    let n = match file.read_at(buf, pos) {
                        Ok(0) => break, // the file shrank: hash what is there
                        Ok(n) => n,
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(e) => return Err(io_err(e)),
                    };
                    let data = buf.get(..n).unwrap_or_default();
                    hasher.update(data);
                    observe(data);
                    progress(n as u64);
                    pos += n as u64;
                }
            }
        }
        Ok(hasher.finalize())
    }
}

/// The long streams in progress, which idle threads can read ahead for.
#[derive(Default)]
struct Streams {
    active: Mutex<Vec<Arc<Prefetch>>>,
}

impl Streams {
    fn lock(&self) -> MutexGuard<'_, Vec<Arc<Prefetch>>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, stream: &Arc<Prefetch>) {
        self.lock().push(Arc::clone(stream));
    }

    fn retire(&self, stream: &Arc<Prefetch>) {
        self.lock().retain(|s| !Arc::ptr_eq(s, stream));
    }

    /// Called by a thread with no task left: helps each published stream in turn. Streams are
    /// started largest first, so by now every long one has been published.
    fn help_until_done(&self) {
        let mut helped: Vec<Arc<Prefetch>> = Vec::new();
        loop {
            let next = self
                .lock()
                .iter()
                .find(|s| !helped.iter().any(|h| Arc::ptr_eq(h, s)))
                .cloned();
            let Some(stream) = next else { return };
            stream.help();
            helped.push(stream);
        }
    }
}

/// The sum of the files' sizes (saturating: sparse files may claim any size).
pub fn total_len(files: &[ModelFile]) -> u64 {
    files.iter().fold(0, |sum, f| sum.saturating_add(f.len))
}
