//! awk's associative arrays. `for (k in a)` visits keys in insertion order: awk leaves the
//! order unspecified, and scripts (and the agents writing them) read insertion order as the
//! natural one, so it is kept stable rather than hash-ordered.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::value::{Str, Value};

/// FxHash: keys are short strings we made ourselves, so a fast non-keyed hash is fine.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Default)]
pub(super) struct Array {
    index: FxMap<Str, usize>,
    /// Entries in insertion order; deleted ones leave a hole until the next compaction.
    entries: Vec<Option<(Str, Value)>>,
}

impl Array {
    pub(super) fn len(&self) -> usize {
        self.index.len()
    }

    pub(super) fn get(&self, key: &[u8]) -> Option<&Value> {
        let &i = self.index.get(key)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }

    pub(super) fn contains(&self, key: &[u8]) -> bool {
        self.index.contains_key(key)
    }

    /// The element for `key`, created (uninitialized) if missing, as awk does on reference.
    pub(super) fn entry(&mut self, key: &[u8]) -> &mut Value {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                let key: Str = key.into();
                self.entries.push(Some((key.clone(), Value::Uninit)));
                self.index.insert(key, self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        match &mut self.entries[i] {
            Some((_, v)) => v,
            None => unreachable!("indexed entries are present"),
        }
    }

    pub(super) fn set(&mut self, key: &[u8], value: Value) {
        *self.entry(key) = value;
    }

    pub(super) fn remove(&mut self, key: &[u8]) {
        if let Some(i) = self.index.remove(key) {
            self.entries[i] = None;
            if self.entries.len() > 32 && self.index.len() < self.entries.len() / 2 {
                self.compact();
            }
        }
    }

    pub(super) fn clear(&mut self) {
        self.index.clear();
        self.entries.clear();
    }

    /// The keys now present, in insertion order (a snapshot: the loop body may change the array).
    pub(super) fn keys(&self) -> Vec<Str> {
        self.entries
            .iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn compact(&mut self) {
        self.entries.retain(Option::is_some);
        for (i, (k, _)) in self.entries.iter().flatten().enumerate() {
            if let Some(slot) = self.index.get_mut(k) {
                *slot = i;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertion_order_survives_deletes() {
        let mut a = Array::default();
        for i in 0..100 {
            a.set(i.to_string().as_bytes(), Value::Num(f64::from(i)));
        }
        for i in 0..90 {
            a.remove(i.to_string().as_bytes());
        }
        let keys: Vec<String> = a
            .keys()
            .iter()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect();
        assert_eq!(keys, (90..100).map(|i| i.to_string()).collect::<Vec<_>>());
        assert_eq!(a.get(b"95").map(Value::to_num), Some(95.0));
        assert_eq!(a.len(), 10);
    }
}
