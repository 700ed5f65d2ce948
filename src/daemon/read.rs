//! Reading one cluster's objects for a pass: from the watch cache where
//! it can answer (its kind synced, the object labelled, and flotilla's own
//! last write of it already seen there), and one by one with a GET for the
//! rest. Complete or an error: a failed read is never "absent", and the
//! cache is never asked whether something is absent (see
//! [`crate::apply::cache`]).

use crate::apply::cache::Lookup;
use crate::apply::watch::Watches;
use crate::apply::{object, ClusterClient, ClusterError, Live};
use crate::model::common::ObjectRef;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Every object of `ids` (`None`: absent): from the cache where it is
/// synced and has the object (and has caught up with flotilla's own last
/// write of it), else read one by one. Complete or an error. Also returns
/// how many objects were read directly.
pub async fn read(
    watches: &Watches,
    client: &ClusterClient,
    ids: &BTreeSet<&ObjectRef>,
    pending: &mut BTreeMap<ObjectRef, String>,
) -> Result<(BTreeMap<ObjectRef, Option<Arc<Value>>>, usize), ClusterError> {
    let mut out = BTreeMap::new();
    let mut direct: Vec<&ObjectRef> = Vec::new();
    {
        let cache = watches.cache();
        for id in ids {
            if let Some(rv) = pending.get(*id) {
                if !cache.seen(id, rv) {
                    direct.push(id);
                    continue;
                }
                pending.remove(*id);
            }
            match cache.lookup(id) {
                Lookup::Present(v) => {
                    out.insert((*id).clone(), Some(v));
                }
                Lookup::NotCached | Lookup::Unsynced => direct.push(id),
            }
        }
    }
    let reads = direct.len();
    let read = client.observe(direct).await?;
    // A direct read that finds what the cache holds (or nothing) means the
    // cache caught up, even if it never saw flotilla's version (a relist in
    // between).
    let cache = watches.cache();
    for (id, l) in read {
        let caught_up = match (&l, cache.lookup(&id)) {
            (Live::Absent, _) => true,
            (Live::Present(v), Lookup::Present(c)) => {
                object::meta_str(v, "resourceVersion") == object::meta_str(&c, "resourceVersion")
            }
            _ => false,
        };
        if caught_up {
            pending.remove(&id);
        }
        let value = match l {
            Live::Present(v) => Some(Arc::new(v)),
            Live::Absent => None,
        };
        out.insert(id, value);
    }
    Ok((out, reads))
}
