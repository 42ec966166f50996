//! A small bounded, process-wide cache for render artefacts that do not
//! change between documents (a seal's drawing, an embedded font subset).
//!
//! Values are pure functions of their keys, so whether a lookup hits or
//! misses never changes a document's bytes. The lock is held only to look up
//! or insert, never while a value is computed: two threads missing the same
//! key both compute it and one insert wins, with identical values.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// At most `capacity` entries; when full, the least recently used goes.
pub(crate) struct Bounded<K, V> {
    capacity: usize,
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    tick: u64,
    map: HashMap<K, (Arc<V>, u64)>,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                tick: 0,
                map: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic elsewhere cannot leave the map inconsistent: every update
        // is a single insert or remove.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, key: &K) -> Option<Arc<V>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let (value, used) = inner.map.get_mut(key)?;
        *used = tick;
        Some(Arc::clone(value))
    }

    pub(crate) fn insert(&self, key: K, value: Arc<V>) {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if inner.map.len() >= self.capacity && !inner.map.contains_key(&key) {
            let oldest = inner
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                inner.map.remove(&oldest);
            }
        }
        inner.map.insert(key, (value, tick));
    }

    /// The cached value for `key`, or `make()`'s (cached on success).
    pub(crate) fn get_or_try_insert<E>(
        &self,
        key: K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let v = Arc::new(make()?);
        self.insert(key, Arc::clone(&v));
        Ok(v)
    }

    /// Forget every entry.
    pub(crate) fn clear(&self) {
        self.lock().map.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used_when_full() {
        let c: Bounded<u32, u32> = Bounded::new(2);
        c.insert(1, Arc::new(10));
        c.insert(2, Arc::new(20));
        assert_eq!(c.get(&1).as_deref(), Some(&10)); // 2 is now the oldest
        c.insert(3, Arc::new(30));
        assert_eq!(c.len(), 2);
        assert!(c.get(&2).is_none());
        assert_eq!(c.get(&1).as_deref(), Some(&10));
        assert_eq!(c.get(&3).as_deref(), Some(&30));
    }

    #[test]
    fn failures_are_not_cached() {
        let c: Bounded<&str, u32> = Bounded::new(4);
        assert_eq!(c.get_or_try_insert("a", || Err::<u32, _>("no")), Err("no"));
        assert_eq!(c.len(), 0);
        let v = c.get_or_try_insert("a", || Ok::<_, ()>(7)).ok();
        assert_eq!(v.as_deref(), Some(&7));
        let again = c.get_or_try_insert("a", || Ok::<_, ()>(8)).ok();
        assert_eq!(again.as_deref(), Some(&7));
    }
}
