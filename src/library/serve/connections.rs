//! The open connections of `tamizdat serve`, and the rules that keep any one of them from
//! holding the server: a cap on how many are open, a time limit on waiting for a request and
//! on a response the client stops reading, and, at the cap, the longest-idle connection closed
//! to make room for a new one.
//!
//! A connection is *idle* from the moment it is accepted, and again after each answer, until
//! its next request head has arrived in full; it is *busy* while a request is being answered.
//! Closing an idle connection loses nothing: no answer is in progress, and browsers retry a
//! request on a kept-alive connection that the server closed. So a browser always gets its
//! pages, even behind hundreds of connections that send nothing (each is only ever idle).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;

/// At most this many connections are open at once. A browser opens about six per server, so
/// this leaves room for several browsers and tabs, and the memory of all of them together
/// stays small (each holds at most [`super::MAX_CONNECTION_BUFFER`] plus one file chunk).
pub const MAX_CONNECTIONS: usize = 64;

/// An idle connection is closed after this long: a request head must arrive in full within
/// 10 seconds of connecting or of the previous answer. A browser on the same machine sends it
/// in microseconds and a phone on the same Wi-Fi in milliseconds; a kept-alive connection a
/// browser no longer uses is closed, and the browser opens a new one when it needs to.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// A busy connection whose client has accepted no byte of the answer for this long is closed.
/// 20 seconds outlasts a phone's Wi-Fi hiccup, and frees the connection of a client that has
/// stopped reading a large download.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(20);

/// How often the time limits are checked: limits are enforced to within this much.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// One connection's state, shared by its task and the registry.
pub struct Activity {
    busy: AtomicBool,
    /// Milliseconds since the registry started: when the connection last became idle, or
    /// (while busy) when its answer last moved.
    mark: AtomicU64,
    epoch: Instant,
}

impl Activity {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A request head has arrived: busy until the returned guard (kept by the answer's body)
    /// is dropped.
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.mark.store(self.now(), Ordering::Relaxed);
        self.busy.store(true, Ordering::Relaxed);
        Busy(self.clone())
    }
}

/// Held while an answer is being sent; dropping it makes the connection idle again.
pub struct Busy(Arc<Activity>);

impl Busy {
    /// The client took more of the answer (the body is asked for its next chunk).
    pub fn moved(&self) {
        self.0.mark.store(self.0.now(), Ordering::Relaxed);
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.mark.store(self.0.now(), Ordering::Relaxed);
        self.0.busy.store(false, Ordering::Relaxed);
    }
}

struct Entry {
    activity: Arc<Activity>,
    task: Option<AbortHandle>,
}

impl Entry {
    fn close(self) {
        if let Some(task) = self.task {
            // Dropping the connection's future closes its socket.
            task.abort();
        }
    }
}

/// The open connections.
pub struct Connections {
    epoch: Instant,
    open: Mutex<(u64, HashMap<u64, Entry>)>,
}

/// A connection admitted by [`Connections::admit`]; removed from the registry when dropped
/// (its task ended, by itself or aborted).
pub struct Admitted {
    pub id: u64,
    pub activity: Arc<Activity>,
    connections: Arc<Connections>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.connections.lock().1.remove(&self.id);
    }
}

impl Connections {
    pub fn new() -> Arc<Connections> {
        Arc::new(Connections {
            epoch: Instant::now(),
            open: Mutex::new((0, HashMap::new())),
        })
    }

    fn lock(&self) -> MutexGuard<'_, (u64, HashMap<u64, Entry>)> {
        // A panic while holding the lock leaves the map itself consistent.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes room for a new connection, closing the longest-idle one at the cap, or returns
    /// None when every open connection is busy answering.
    pub fn admit(self: &Arc<Self>) -> Option<Admitted> {
        let mut open = self.lock();
        let mut closed = None;
        if open.1.len() >= MAX_CONNECTIONS {
            let idlest = open
                .1
                .iter()
                .filter(|(_, entry)| !entry.activity.busy.load(Ordering::Relaxed))
                .min_by_key(|(_, entry)| entry.activity.mark.load(Ordering::Relaxed))
                .map(|(id, _)| *id)?;
            closed = open.1.remove(&idlest);
        }
        let id = open.0;
        open.0 += 1;
        let activity = Arc::new(Activity {
            busy: AtomicBool::new(false),
            mark: AtomicU64::new(0),
            epoch: self.epoch,
        });
        activity.mark.store(activity.now(), Ordering::Relaxed);
        open.1.insert(
            id,
            Entry {
                activity: activity.clone(),
                task: None,
            },
        );
        drop(open);
        // Closed outside the lock: the closed task's own clean-up takes it.
        if let Some(entry) = closed {
            entry.close();
        }
        Some(Admitted {
            id,
            activity,
            connections: self.clone(),
        })
    }

    /// Records the task serving connection `id`, so that it can be closed.
    pub fn started(&self, id: u64, task: AbortHandle) {
        if let Some(entry) = self.lock().1.get_mut(&id) {
            entry.task = Some(task);
        }
        // Otherwise its task is already over.
    }

    /// Closes every connection idle longer than [`IDLE_TIMEOUT`] or stalled longer than
    /// [`WRITE_TIMEOUT`].
    pub fn close_expired(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut open = self.lock();
        let expired: Vec<u64> = open
            .1
            .iter()
            .filter(|(_, entry)| {
                let waited = Duration::from_millis(
                    now.saturating_sub(entry.activity.mark.load(Ordering::Relaxed)),
                );
                let limit = if entry.activity.busy.load(Ordering::Relaxed) {
                    WRITE_TIMEOUT
                } else {
                    IDLE_TIMEOUT
                };
                waited > limit
            })
            .map(|(id, _)| *id)
            .collect();
        let closed: Vec<Entry> = expired.iter().filter_map(|id| open.1.remove(id)).collect();
        drop(open);
        closed.into_iter().for_each(Entry::close);
    }
}
