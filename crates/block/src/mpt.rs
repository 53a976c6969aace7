//! A Merkle-Patricia trie over 32-byte keys that keeps its nodes, and each node's encoding
//! once computed, between roots: an update rehashes only the nodes on the paths it changed.
//!
//! Nodes are shared (`Arc`), so cloning a [`Trie`] is O(1) and a clone is a snapshot: updating
//! it copies only the nodes on the updated paths (`Arc::make_mut`), and the untouched subtrees,
//! with their cached hashes, stay shared with the original. A node's cached reference (its RLP
//! when shorter than 32 bytes, else the keccak256 of it) sits in a `OnceLock`, so hashing through
//! a shared snapshot fills the cache of the original too.
//!
//! Every key has the same length (64 nibbles, the secure tries' keccak256 keys), so no key is a
//! prefix of another and branch nodes never carry a value. The ordered tries of a block
//! (transactions, receipts), whose keys are RLP(index), are built once per block by
//! [`ordered_root`](crate::trie::ordered_root) instead.

use std::sync::{Arc, OnceLock};

use kestrel_primitives::{B256, keccak256};

use crate::trie::EMPTY_ROOT;

/// Nibbles in a key.
const KEY_NIBBLES: usize = 64;

/// Nibble `i` (0..64) of `key`, high nibble first.
#[inline]
fn nibble(key: &[u8; 32], i: usize) -> u8 {
    let byte = key[i / 2];
    if i.is_multiple_of(2) { byte >> 4 } else { byte & 0x0f }
}

/// Length of the common prefix of `a` and `b` from nibble `from` on.
fn common_prefix(a: &[u8; 32], b: &[u8; 32], from: usize) -> usize {
    let mut i = from;
    while i < KEY_NIBBLES && nibble(a, i) == nibble(b, i) {
        i += 1;
    }
    i - from
}

/// Nibbles `start..end` of `key`: the path of a leaf or extension. `key` is any key stored
/// below the node (all of them agree on these nibbles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Path {
    key: [u8; 32],
    start: u8,
    end: u8,
}

impl Path {
    fn new(key: &[u8; 32], start: usize, end: usize) -> Self {
        debug_assert!(start <= end && end <= KEY_NIBBLES);
        Path { key: *key, start: start as u8, end: end as u8 }
    }

    fn len(&self) -> usize {
        usize::from(self.end - self.start)
    }

    /// Appends the hex-prefix encoding (Yellow Paper appendix C) of the path, with the leaf
    /// flag `leaf`, as an RLP string.
    fn encode_hex_prefix(&self, leaf: bool, out: &mut Vec<u8>) {
        let (start, end) = (usize::from(self.start), usize::from(self.end));
        let len = end - start;
        let flag = if leaf { 0x20 } else { 0x00 };
        let mut hp = [0u8; 33];
        let mut i = start;
        if len % 2 == 1 {
            hp[0] = flag | 0x10 | nibble(&self.key, i);
            i += 1;
        } else {
            hp[0] = flag;
        }
        let mut n = 1;
        while i < end {
            hp[n] = (nibble(&self.key, i) << 4) | nibble(&self.key, i + 1);
            i += 2;
            n += 1;
        }
        encode_bytes(&hp[..n], out);
    }
}

/// A node's reference from its parent: its RLP when shorter than 32 bytes, else the RLP
/// string of its keccak256 (`0xa0` and 32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NodeRef {
    len: u8,
    bytes: [u8; 33],
}

impl NodeRef {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn of_encoding(rlp: &[u8]) -> Self {
        let mut bytes = [0u8; 33];
        if rlp.len() < 32 {
            bytes[..rlp.len()].copy_from_slice(rlp);
            NodeRef { len: rlp.len() as u8, bytes }
        } else {
            bytes[0] = 0xa0;
            bytes[1..].copy_from_slice(keccak256(rlp).as_slice());
            NodeRef { len: 33, bytes }
        }
    }

    /// The root hash of a trie whose root node has this reference (a root is always hashed).
    fn root_hash(&self) -> B256 {
        if self.len == 33 { B256::from_slice(&self.bytes[1..]) } else { keccak256(self.as_slice()) }
    }
}

#[derive(Clone, Debug)]
enum Node {
    Leaf { path: Path, value: Box<[u8]> },
    Extension { path: Path, child: Arc<Cached> },
    Branch { children: [Option<Arc<Cached>>; 16] },
}

/// A node and its reference once computed (cleared whenever the node changes).
#[derive(Clone, Debug)]
struct Cached {
    node: Node,
    reference: OnceLock<NodeRef>,
}

impl Cached {
    fn new(node: Node) -> Arc<Self> {
        Arc::new(Cached { node, reference: OnceLock::new() })
    }

    fn leaf(key: &[u8; 32], depth: usize, value: Box<[u8]>) -> Arc<Self> {
        Self::new(Node::Leaf { path: Path::new(key, depth, KEY_NIBBLES), value })
    }

    /// Some key stored below this node.
    fn any_key(&self) -> &[u8; 32] {
        match &self.node {
            Node::Leaf { path, .. } | Node::Extension { path, .. } => &path.key,
            Node::Branch { children } => {
                children.iter().flatten().next().map_or(&[0; 32], |child| child.any_key())
            }
        }
    }

    /// The node's reference, computed (with every child's not yet cached) and cached.
    fn reference(&self) -> NodeRef {
        if let Some(r) = self.reference.get() {
            return *r;
        }
        let mut payload = Vec::with_capacity(96);
        match &self.node {
            Node::Leaf { path, value } => {
                path.encode_hex_prefix(true, &mut payload);
                encode_bytes(value, &mut payload);
            }
            Node::Extension { path, child } => {
                path.encode_hex_prefix(false, &mut payload);
                payload.extend_from_slice(child.reference().as_slice());
            }
            Node::Branch { children } => {
                payload.reserve(16 * 33 + 1);
                for child in children {
                    match child {
                        Some(c) => payload.extend_from_slice(c.reference().as_slice()),
                        None => payload.push(0x80),
                    }
                }
                payload.push(0x80);
            }
        }
        let mut rlp = Vec::with_capacity(payload.len() + 3);
        encode_list_header(payload.len(), &mut rlp);
        rlp.extend_from_slice(&payload);
        let r = NodeRef::of_encoding(&rlp);
        // Another thread hashing the same shared node may have set it first: same value.
        let _ = self.reference.set(r);
        r
    }
}

/// Appends `bytes` as an RLP string.
fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    if bytes.len() == 1 && bytes[0] < 0x80 {
        out.push(bytes[0]);
        return;
    }
    encode_length(0x80, bytes.len(), out);
    out.extend_from_slice(bytes);
}

/// Appends an RLP list header for a payload of `len` bytes.
fn encode_list_header(len: usize, out: &mut Vec<u8>) {
    encode_length(0xc0, len, out);
}

fn encode_length(offset: u8, len: usize, out: &mut Vec<u8>) {
    if len < 56 {
        out.push(offset + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(offset + 55 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

/// A Merkle-Patricia trie of 32-byte keys to byte-string values, keeping node hashes between
/// roots. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Trie {
    root: Option<Arc<Cached>>,
}

impl Trie {
    /// An empty trie.
    pub fn new() -> Self {
        Self::default()
    }

    /// The trie of `leaves` (any order; for a key given twice the last value counts), built
    /// in one pass over the sorted keys.
    pub fn from_leaves(mut leaves: Vec<([u8; 32], Vec<u8>)>) -> Self {
        leaves.sort_by_key(|l| l.0);
        // Keep the last of equal keys (the stable sort keeps their order).
        let mut unique: Vec<([u8; 32], Vec<u8>)> = Vec::with_capacity(leaves.len());
        for leaf in leaves {
            match unique.last_mut() {
                Some(last) if last.0 == leaf.0 => *last = leaf,
                _ => unique.push(leaf),
            }
        }
        if unique.is_empty() {
            return Self::new();
        }
        Trie { root: Some(build(&mut unique, 0)) }
    }

    /// True when the trie holds no key.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The value under `key`.
    pub fn get(&self, key: &[u8; 32]) -> Option<&[u8]> {
        let mut node = self.root.as_deref()?;
        let mut depth = 0;
        loop {
            match &node.node {
                Node::Leaf { path, value } => return (path.key == *key).then_some(&value[..]),
                Node::Extension { path, child } => {
                    if common_prefix(&path.key, key, depth) < path.len() {
                        return None;
                    }
                    depth += path.len();
                    node = child;
                }
                Node::Branch { children } => {
                    node = children[usize::from(nibble(key, depth))].as_deref()?;
                    depth += 1;
                }
            }
        }
    }

    /// Sets `key` to `value` (an empty value is stored as such; use [`remove`](Self::remove)
    /// to delete). Setting the value a key already has changes nothing, hashes included.
    pub fn insert(&mut self, key: &[u8; 32], value: &[u8]) {
        if self.get(key) == Some(value) {
            return;
        }
        match &mut self.root {
            Some(root) => insert(root, key, 0, value.into()),
            None => self.root = Some(Cached::leaf(key, 0, value.into())),
        }
    }

    /// Removes `key`; true when it was there. Removing an absent key changes nothing.
    pub fn remove(&mut self, key: &[u8; 32]) -> bool {
        if self.get(key).is_none() {
            return false;
        }
        if let Some(root) = &mut self.root
            && remove(root, key, 0)
        {
            self.root = None;
        }
        true
    }

    /// The root hash: keccak256 of the root node's RLP ([`EMPTY_ROOT`] when empty). Only nodes
    /// changed since their last hashing are encoded and hashed.
    pub fn root(&self) -> B256 {
        match &self.root {
            None => EMPTY_ROOT,
            Some(node) => node.reference().root_hash(),
        }
    }
}

/// The subtrie of `leaves` (sorted, unique, non-empty, agreeing on nibbles `..depth`).
fn build(leaves: &mut [([u8; 32], Vec<u8>)], depth: usize) -> Arc<Cached> {
    if leaves.len() == 1 {
        let (key, value) = &mut leaves[0];
        return Cached::leaf(key, depth, core::mem::take(value).into_boxed_slice());
    }
    let first = leaves[0].0;
    let common = common_prefix(&first, &leaves[leaves.len() - 1].0, depth);
    if common > 0 {
        let child = build(leaves, depth + common);
        return Cached::new(Node::Extension { path: Path::new(&first, depth, depth + common), child });
    }
    let mut children: [Option<Arc<Cached>>; 16] = Default::default();
    let mut rest = leaves;
    while !rest.is_empty() {
        let n = nibble(&rest[0].0, depth);
        let run = rest.iter().take_while(|l| nibble(&l.0, depth) == n).count();
        let (group, tail) = rest.split_at_mut(run);
        children[usize::from(n)] = Some(build(group, depth + 1));
        rest = tail;
    }
    Cached::new(Node::Branch { children })
}

/// A branch at `depth` holding `a` under nibble `na` and `b` under `nb` (`na != nb`), under an
/// extension of nibbles `from..depth` of `key` when `from < depth`.
fn split(
    key: &[u8; 32],
    from: usize,
    depth: usize,
    a: (u8, Arc<Cached>),
    b: (u8, Arc<Cached>),
) -> Arc<Cached> {
    let mut children: [Option<Arc<Cached>>; 16] = Default::default();
    children[usize::from(a.0)] = Some(a.1);
    children[usize::from(b.0)] = Some(b.1);
    let branch = Cached::new(Node::Branch { children });
    if from < depth {
        Cached::new(Node::Extension { path: Path::new(key, from, depth), child: branch })
    } else {
        branch
    }
}

/// Sets `key` to `value` in the subtrie `node` at `depth`.
fn insert(node: &mut Arc<Cached>, key: &[u8; 32], depth: usize, value: Box<[u8]>) {
    // Leaf and extension splits replace the node: decide from a shared look first.
    match &node.node {
        Node::Leaf { path, .. } if path.key != *key => {
            let at = depth + common_prefix(&path.key, key, depth);
            let old = Cached::leaf(&path.key, at + 1, leaf_value(node));
            let new = Cached::leaf(key, at + 1, value);
            *node = split(key, depth, at, (nibble(&path.key, at), old), (nibble(key, at), new));
            return;
        }
        Node::Extension { path, child } => {
            let common = common_prefix(&path.key, key, depth);
            if common < path.len() {
                let at = depth + common;
                // What is left of the extension below the new branch.
                let rest = if at + 1 < usize::from(path.end) {
                    Cached::new(Node::Extension {
                        path: Path::new(&path.key, at + 1, usize::from(path.end)),
                        child: child.clone(),
                    })
                } else {
                    child.clone()
                };
                let new = Cached::leaf(key, at + 1, value);
                *node = split(key, depth, at, (nibble(&path.key, at), rest), (nibble(key, at), new));
                return;
            }
        }
        _ => {}
    }
    // In place when this trie is the node's only owner, else on a copy of it.
    let cached = Arc::make_mut(node);
    cached.reference = OnceLock::new();
    match &mut cached.node {
        Node::Leaf { value: old, .. } => *old = value,
        Node::Extension { path, child } => insert(child, key, depth + path.len(), value),
        Node::Branch { children } => match &mut children[usize::from(nibble(key, depth))] {
            Some(child) => insert(child, key, depth + 1, value),
            empty @ None => *empty = Some(Cached::leaf(key, depth + 1, value)),
        },
    }
}

fn leaf_value(node: &Cached) -> Box<[u8]> {
    match &node.node {
        Node::Leaf { value, .. } => value.clone(),
        _ => Box::default(),
    }
}

/// Removes `key`, which is in the subtrie `node` at `depth`, collapsing what is left; true
/// when nothing is left (the node was the key's leaf).
fn remove(node: &mut Arc<Cached>, key: &[u8; 32], depth: usize) -> bool {
    if let Node::Leaf { .. } = node.node {
        return true;
    }
    let cached = Arc::make_mut(node);
    cached.reference = OnceLock::new();
    let replacement = match &mut cached.node {
        Node::Leaf { .. } => return true,
        Node::Extension { path, child } => {
            if remove(child, key, depth + path.len()) {
                return true;
            }
            // A branch below an extension keeps two children or more, or collapses to a leaf
            // or an extension: those merge with this extension.
            match &child.node {
                Node::Branch { .. } => return false,
                Node::Leaf { path: p, value } => Node::Leaf {
                    path: Path::new(&p.key, usize::from(path.start), KEY_NIBBLES),
                    value: value.clone(),
                },
                Node::Extension { path: p, child: c } => Node::Extension {
                    path: Path::new(&p.key, usize::from(path.start), usize::from(p.end)),
                    child: c.clone(),
                },
            }
        }
        Node::Branch { children } => {
            let n = usize::from(nibble(key, depth));
            if let Some(child) = &mut children[n]
                && remove(child, key, depth + 1)
            {
                children[n] = None;
            }
            let mut left = children.iter().enumerate().filter(|(_, c)| c.is_some());
            let (Some((index, _)), None) = (left.next(), left.next()) else { return false };
            let Some(only) = children[index].take() else { return false };
            // One child left: the branch becomes a leaf, an extension, or an extension of one
            // nibble over the remaining branch.
            match &only.node {
                Node::Leaf { path, value } => {
                    Node::Leaf { path: Path::new(&path.key, depth, KEY_NIBBLES), value: value.clone() }
                }
                Node::Extension { path, child } => Node::Extension {
                    path: Path::new(&path.key, depth, usize::from(path.end)),
                    child: child.clone(),
                },
                Node::Branch { .. } => {
                    let key = *only.any_key();
                    Node::Extension { path: Path::new(&key, depth, depth + 1), child: only.clone() }
                }
            }
        }
    };
    *node = Cached::new(replacement);
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_trie::{HashBuilder, Nibbles};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The root of `map` by alloy-trie's `HashBuilder`, from scratch.
    fn reference_root(map: &BTreeMap<[u8; 32], Vec<u8>>) -> B256 {
        let mut builder = HashBuilder::default();
        for (key, value) in map {
            builder.add_leaf(Nibbles::unpack(key), value);
        }
        builder.root()
    }

    fn key(seed: u64) -> [u8; 32] {
        keccak256(seed.to_be_bytes()).0
    }

    #[test]
    fn empty_and_single() {
        let mut t = Trie::new();
        assert_eq!(t.root(), EMPTY_ROOT);
        t.insert(&key(1), &[0x01]);
        let mut m = BTreeMap::new();
        m.insert(key(1), vec![0x01]);
        assert_eq!(t.root(), reference_root(&m));
        assert!(t.remove(&key(1)));
        assert!(!t.remove(&key(1)));
        assert_eq!(t.root(), EMPTY_ROOT);
    }

    #[test]
    fn keys_sharing_long_prefixes() {
        // Keys that differ only in the last nibbles make extensions of 60+ nibbles.
        let mut m = BTreeMap::new();
        let mut t = Trie::new();
        for last in [0x00u8, 0x01, 0x10, 0xff, 0xf0] {
            let mut k = [0x5a; 32];
            k[31] = last;
            m.insert(k, vec![last; 40]);
            t.insert(&k, &[last; 40]);
            assert_eq!(t.root(), reference_root(&m));
        }
        for last in [0x01u8, 0xff, 0x00, 0x10] {
            let mut k = [0x5a; 32];
            k[31] = last;
            m.remove(&k);
            t.remove(&k);
            assert_eq!(t.root(), reference_root(&m));
            assert_eq!(Trie::from_leaves(m.iter().map(|(k, v)| (*k, v.clone())).collect()).root(), t.root());
        }
    }

    #[test]
    fn snapshot_is_unchanged_by_updates_of_the_original() {
        let mut t = Trie::from_leaves((0..200).map(|i| (key(i), vec![i as u8 + 1])).collect());
        let before = t.root();
        let snapshot = t.clone();
        for i in 0..50 {
            t.remove(&key(i));
            t.insert(&key(1000 + i), &[7; 33]);
        }
        assert_ne!(t.root(), before);
        assert_eq!(snapshot.root(), before);
        assert_eq!(snapshot.get(&key(3)), Some(&[4u8][..]));
        assert_eq!(t.get(&key(3)), None);
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8, Vec<u8>),
        Remove(u8),
        Root,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<u8>(), proptest::collection::vec(any::<u8>(), 1..70)).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => any::<u8>().prop_map(Op::Remove),
            1 => Just(Op::Root),
        ]
    }

    /// Keys from a small set (so that removals hit) and some sharing long prefixes.
    fn key_of(k: u8) -> [u8; 32] {
        if k < 64 {
            let mut out = [0x33; 32];
            out[31] = k;
            out[30] = k % 3;
            out
        } else {
            key(u64::from(k))
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random inserts and removals, with roots taken in between (so caches are reused and
        /// invalidated), always give the root the reference builder gives from scratch.
        #[test]
        fn updates_match_the_root_from_scratch(
            initial in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 1..40)), 0..60),
            ops in proptest::collection::vec(op(), 0..120),
        ) {
            let mut m: BTreeMap<[u8; 32], Vec<u8>> = BTreeMap::new();
            for (k, v) in &initial {
                m.insert(key_of(*k), v.clone());
            }
            let mut t = Trie::from_leaves(initial.iter().map(|(k, v)| (key_of(*k), v.clone())).collect());
            prop_assert_eq!(t.root(), reference_root(&m));
            let mut snapshots = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        t.insert(&key_of(k), &v);
                        m.insert(key_of(k), v);
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(t.remove(&key_of(k)), m.remove(&key_of(k)).is_some());
                    }
                    Op::Root => {
                        prop_assert_eq!(t.root(), reference_root(&m));
                        snapshots.push((t.clone(), t.root()));
                    }
                }
            }
            prop_assert_eq!(t.root(), reference_root(&m));
            for (k, v) in &m {
                prop_assert_eq!(t.get(k), Some(&v[..]));
            }
            // Snapshots taken along the way still give their own roots.
            for (s, root) in snapshots {
                prop_assert_eq!(s.root(), root);
            }
            let rebuilt = Trie::from_leaves(m.iter().map(|(k, v)| (*k, v.clone())).collect());
            prop_assert_eq!(rebuilt.root(), t.root());
        }
    }
}
