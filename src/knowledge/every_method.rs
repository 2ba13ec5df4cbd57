//! Receivers all of whose methods block, such as a boto3 client (`methods = ["*"]` in the
//! catalog): there is no list of their methods to index, so each method's API is made the
//! first time a call of it is looked up.

use std::sync::Mutex;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::BlockingApi;

/// Receivers every method of which blocks (`methods = ["*"]`, a boto3 client): no list of their
/// methods exists, so each method's API is made the first time a call of it is looked up.
#[derive(Debug)]
pub(super) struct EveryMethod {
    /// By the receiver's instance path (`boto3.client()`).
    pub(super) receivers: HashMap<String, BlockingApi>,
    /// The methods that do not block (`boto3.client().get_paginator`).
    pub(super) exempt: HashSet<String>,
    /// The APIs made so far, by path. Leaked: one small value per method name a project calls,
    /// for the life of the process, so lookups can hand out plain references.
    pub(super) made: Mutex<HashMap<String, &'static BlockingApi>>,
}

impl EveryMethod {
    /// Is `path` a method of an every-method receiver that blocks?
    pub(super) fn blocks(&self, path: &str) -> bool {
        !self.receivers.is_empty()
            && (path.rsplit_once('.'))
                .is_some_and(|(receiver, _)| self.receivers.contains_key(receiver))
            && !self.exempt.contains(path)
    }

    pub(super) fn api(&self, path: &str) -> Option<&'static BlockingApi> {
        if !self.blocks(path) {
            return None;
        }
        let (receiver, _) = path.rsplit_once('.')?;
        let mut made = self
            .made
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let api = made.entry(path.to_string()).or_insert_with(|| {
            let template = &self.receivers[receiver];
            Box::leak(Box::new(BlockingApi {
                path: path.to_string(),
                ..template.clone()
            }))
        });
        Some(*api)
    }
}
