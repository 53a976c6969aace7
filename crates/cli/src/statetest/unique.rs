//! JSON objects read as maps that refuse duplicate keys.
//!
//! serde_json keeps the last of two equal keys without a word. In a fixture that silently merges
//! two tests (or two accounts, or two forks' expectations) into one, so the run checks less than
//! the file claims; every map of the state-test format is therefore read as a [`UniqueMap`].

use core::fmt;
use core::marker::PhantomData;
use std::collections::BTreeMap;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, MapAccess};

/// A JSON object with distinct keys, in key order.
#[derive(Debug)]
pub(crate) struct UniqueMap<V>(BTreeMap<String, V>);

impl<V> Default for UniqueMap<V> {
    fn default() -> Self {
        UniqueMap(BTreeMap::new())
    }
}

impl<V> Deref for UniqueMap<V> {
    type Target = BTreeMap<String, V>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<V> IntoIterator for UniqueMap<V> {
    type Item = (String, V);
    type IntoIter = std::collections::btree_map::IntoIter<String, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a UniqueMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::collections::btree_map::Iter<'a, String, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> de::Visitor<'de> for Visitor<V> {
            type Value = UniqueMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }

        deserializer.deserialize_map(Visitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::UniqueMap;

    #[test]
    fn duplicate_keys_are_errors_at_any_depth() {
        let ok: UniqueMap<UniqueMap<u8>> = serde_json::from_str(r#"{"a": {"x": 1}, "b": {"x": 2}}"#).unwrap();
        assert_eq!(ok["b"]["x"], 2);
        let err = serde_json::from_str::<UniqueMap<u8>>(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(err.to_string().contains(r#"duplicate key "a""#), "{err}");
        let err = serde_json::from_str::<UniqueMap<UniqueMap<u8>>>(r#"{"a": {"x": 1, "x": 1}}"#).unwrap_err();
        assert!(err.to_string().contains(r#"duplicate key "x""#), "{err}");
    }
}
