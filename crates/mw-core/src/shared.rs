//! One confidential OAuth 2 client's access token, shared by the sessions
//! of one process.
//!
//! Extension:OAuth keeps one session per consumer: each token the client
//! fetches replaces it, and the csrf tokens every other holder of the
//! client got become invalid. So the sessions of a process that act as the
//! same client (same API URL, id and secret) keep its token here: the
//! current one, a generation that counts the tokens fetched, and a marker
//! for the one fetch in progress. A session adopts a newer token before its
//! next request and drops its csrf token with the old one; one session
//! fetches at a time, while the others keep using the current token, or
//! wait when it has expired. Memory only: no socket, no clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use sha1::{Digest, Sha1};

use crate::oauth::AccessToken;

type Key = [u8; 20];

/// The registry: a client's slot lives while a session holds it.
fn registry() -> MutexGuard<'static, HashMap<Key, Weak<SharedClient>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<Key, Weak<SharedClient>>>> = OnceLock::new();
    REGISTRY
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The token of one client on one wiki, as the sessions of the process
/// share it.
#[derive(Debug, Default)]
pub(crate) struct SharedClient {
    slot: Mutex<Slot>,
}

#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// The newest token fetched.
    pub(crate) access: Option<AccessToken>,
    /// How many tokens were published: a session that saw fewer adopts.
    pub(crate) generation: u64,
    /// The fetch in progress, by its marker's id.
    renewing: Option<u64>,
}

impl Slot {
    /// Whether a fetch is in progress.
    pub(crate) fn renewing(&self) -> bool {
        self.renewing.is_some()
    }
}

impl SharedClient {
    /// The slot of the client `client_id` with `secret` on `api_url`: the
    /// same one for every session of the process that asks with the same
    /// three. The secret is part of the key (as a digest), so a session
    /// given a wrong secret never gets the token of the right one.
    pub(crate) fn of(api_url: &str, client_id: &str, secret: &str) -> Arc<Self> {
        let mut hash = Sha1::new();
        for part in [api_url, client_id, secret] {
            hash.update(part.len().to_le_bytes());
            hash.update(part.as_bytes());
        }
        let key: Key = hash.finalize().into();
        let mut map = registry();
        if let Some(found) = map.get(&key).and_then(Weak::upgrade) {
            return found;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let made = Arc::new(Self::default());
        map.insert(key, Arc::downgrade(&made));
        made
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What a login as this client does, decided under one lock (so that
    /// two sessions never both see no fetch in progress and both fetch): use
    /// the current token (newer than `seen`, not near its expiry at `now`),
    /// wait for the fetch in progress, or fetch (holding the marker; `force`
    /// after waiting long enough).
    pub(crate) fn claim(
        self: &Arc<Self>,
        seen: u64,
        now: std::time::SystemTime,
        force: bool,
    ) -> Claim {
        static IDS: AtomicU64 = AtomicU64::new(1);
        let mut slot = self.lock();
        if let Some(access) = &slot.access {
            if slot.generation > seen && !access.renew_at(now) {
                return Claim::Use(access.clone(), slot.generation);
            }
        }
        if slot.renewing.is_some() && !force {
            return Claim::Wait;
        }
        let id = IDS.fetch_add(1, Ordering::Relaxed);
        slot.renewing = Some(id);
        Claim::Fetch(RenewGuard {
            client: Arc::clone(self),
            id,
        })
    }

    /// Makes `access` the client's current token; its generation.
    pub(crate) fn publish(&self, access: AccessToken) -> u64 {
        let mut slot = self.lock();
        slot.access = Some(access);
        slot.generation += 1;
        slot.generation
    }
}

/// The marker of a fetch in progress: released when dropped (the fetch
/// landed, failed, or its call was given up).
#[derive(Debug)]
pub(crate) struct RenewGuard {
    client: Arc<SharedClient>,
    id: u64,
}

impl Drop for RenewGuard {
    fn drop(&mut self) {
        let mut slot = self.client.lock();
        if slot.renewing == Some(self.id) {
            slot.renewing = None;
        }
    }
}

/// What a login as a shared client does: see [`SharedClient::claim`].
#[derive(Debug)]
pub(crate) enum Claim {
    /// This token, of this generation: only the confirming read.
    Use(AccessToken, u64),
    /// Another session is fetching one.
    Wait,
    /// Fetch one, holding the marker.
    Fetch(RenewGuard),
}
