//! The logs of a transaction in one flat arena, and the borrowed views of them.
//!
//! A `Log` value owns a `Vec` of topics and a `Bytes` of data: two allocations a log, and one
//! more for the list. The arena holds every log of the transaction in three buffers kept from
//! one transaction to the next (records, topics, data), so recording a log allocates nothing
//! once they have grown, and a revert drops the logs after a checkpoint by truncating all
//! three.

use kestrel_primitives::{Address, B256, Bytes, Log, LogData};

/// Where one log's topics and data lie in the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LogRecord {
    address: Address,
    /// Start of the topics in `LogArena::topics`; they run to the next record's start.
    topics_start: usize,
    /// Start of the data in `LogArena::data`; it runs to the next record's start.
    data_start: usize,
}

/// The logs of one transaction, in order: the journal's log buffer.
///
/// Grows only by what LOG0..LOG4 record, which gas bounds (375 gas a log, 375 a topic, 8 a
/// byte of data); [`clear`](Self::clear) keeps the capacity.
#[derive(Debug, Default)]
pub(crate) struct LogArena {
    records: Vec<LogRecord>,
    topics: Vec<B256>,
    data: Vec<u8>,
}

impl LogArena {
    /// Number of logs.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Appends a log.
    #[inline]
    pub(crate) fn push(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        self.records.push(LogRecord {
            address: *address,
            topics_start: self.topics.len(),
            data_start: self.data.len(),
        });
        self.topics.extend_from_slice(topics);
        self.data.extend_from_slice(data);
    }

    /// Keeps the first `len` logs (a revert to a checkpoint taken when there were `len`).
    #[inline]
    pub(crate) fn truncate(&mut self, len: usize) {
        if let Some(first_dropped) = self.records.get(len) {
            self.topics.truncate(first_dropped.topics_start);
            self.data.truncate(first_dropped.data_start);
            self.records.truncate(len);
        }
    }

    /// Drops every log, keeping the capacity.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.records.clear();
        self.topics.clear();
        self.data.clear();
    }

    /// The logs, borrowed.
    #[inline]
    pub(crate) fn view(&self) -> Logs<'_> {
        Logs { records: &self.records, topics: &self.topics, data: &self.data }
    }
}

/// A borrowed list of logs (what a transaction emitted), read from the journal's arena without
/// copying. [`to_vec`](Self::to_vec) makes owned [`Log`]s of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Logs<'a> {
    records: &'a [LogRecord],
    /// The topics of every record, from the first record's start.
    topics: &'a [B256],
    /// The data of every record, from the first record's start.
    data: &'a [u8],
}

impl<'a> Logs<'a> {
    /// No logs.
    pub const EMPTY: Logs<'static> = Logs { records: &[], topics: &[], data: &[] };

    /// Number of logs.
    #[inline]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there are no logs.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Log `index`, or `None` past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<LogRef<'a>> {
        let record = self.records.get(index)?;
        let (topics_end, data_end) = match self.records.get(index + 1) {
            Some(next) => (next.topics_start, next.data_start),
            None => (self.topics.len(), self.data.len()),
        };
        Some(LogRef {
            address: record.address,
            topics: &self.topics[record.topics_start..topics_end],
            data: &self.data[record.data_start..data_end],
        })
    }

    /// The logs in order.
    #[inline]
    pub fn iter(&self) -> LogsIter<'a> {
        LogsIter { logs: *self, next: 0 }
    }

    /// Owned copies of the logs (allocates: a `Vec`, and per log its topics and data).
    pub fn to_vec(&self) -> Vec<Log> {
        self.iter().map(LogRef::to_log).collect()
    }
}

impl<'a> IntoIterator for Logs<'a> {
    type Item = LogRef<'a>;
    type IntoIter = LogsIter<'a>;

    fn into_iter(self) -> LogsIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Logs<'a> {
    type Item = LogRef<'a>;
    type IntoIter = LogsIter<'a>;

    fn into_iter(self) -> LogsIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Logs`].
#[derive(Clone, Debug)]
pub struct LogsIter<'a> {
    logs: Logs<'a>,
    next: usize,
}

impl<'a> Iterator for LogsIter<'a> {
    type Item = LogRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<LogRef<'a>> {
        let log = self.logs.get(self.next)?;
        self.next += 1;
        Some(log)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.logs.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for LogsIter<'_> {}

/// One log, borrowed: the emitting contract, its topics (at most four) and its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogRef<'a> {
    /// The contract that emitted the log.
    pub address: Address,
    /// The topics, in order.
    pub topics: &'a [B256],
    /// The data.
    pub data: &'a [u8],
}

impl LogRef<'_> {
    /// An owned copy (allocates its topics and data).
    pub fn to_log(self) -> Log {
        Log {
            address: self.address,
            data: LogData::new_unchecked(self.topics.to_vec(), Bytes::copy_from_slice(self.data)),
        }
    }
}

impl<'a> From<&'a Log> for LogRef<'a> {
    fn from(log: &'a Log) -> Self {
        LogRef { address: log.address, topics: log.data.topics(), data: &log.data.data }
    }
}

impl PartialEq<Log> for LogRef<'_> {
    fn eq(&self, log: &Log) -> bool {
        *self == LogRef::from(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: u8, topics: usize, data: usize) -> Log {
        Log {
            address: Address::repeat_byte(n),
            data: LogData::new_unchecked(vec![B256::repeat_byte(n); topics], Bytes::from(vec![n; data])),
        }
    }

    fn push(arena: &mut LogArena, log: &Log) {
        arena.push(&log.address, log.data.topics(), &log.data.data);
    }

    #[test]
    fn views_read_back_what_was_pushed_and_truncation_drops_the_rest() {
        let logs = [log(1, 0, 3), log(2, 4, 0), log(3, 2, 40), log(4, 1, 1)];
        let mut arena = LogArena::default();
        for l in &logs {
            push(&mut arena, l);
        }
        assert_eq!(arena.view().to_vec(), logs);
        assert_eq!(arena.view().iter().len(), 4);
        assert!(arena.view().iter().zip(&logs).all(|(r, l)| r == *l));
        assert_eq!(arena.view().get(4), None);
        arena.truncate(5);
        assert_eq!(arena.len(), 4);
        arena.truncate(2);
        assert_eq!(arena.view().to_vec(), &logs[..2]);
        assert_eq!((arena.topics.len(), arena.data.len()), (4, 3));
        push(&mut arena, &logs[3]);
        assert_eq!(arena.view().to_vec(), [logs[0].clone(), logs[1].clone(), logs[3].clone()]);
        arena.clear();
        assert!(arena.view().is_empty());
        assert_eq!(Logs::EMPTY, arena.view());
    }
}
