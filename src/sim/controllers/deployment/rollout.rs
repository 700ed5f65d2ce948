//! The rollout arithmetic of the Deployment controller: how many pods each
//! ReplicaSet should have after this round, for RollingUpdate, Recreate and
//! a paused Deployment, and which old ReplicaSets the revision history no
//! longer keeps. Works on [`Sync`] only; no JSON is written here.

use super::{Rs, Sync};
use crate::sim::controllers::obj::{bool_at, i64_at, int_or_percent, is_deleting, name, str_at};

fn is_recreate(s: &Sync) -> bool {
    str_at(s.d, "/spec/strategy/type") == Some("Recreate")
}

/// `maxSurge` and `maxUnavailable` resolved against the replica count, as
/// Kubernetes' `ResolveFenceposts` (both zero means one unavailable) and
/// `MaxUnavailable` (at most the replica count; zero for Recreate).
pub(super) fn resolve_fenceposts(s: &mut Sync) {
    if is_recreate(s) {
        return;
    }
    let ru = s.d.pointer("/spec/strategy/rollingUpdate");
    let field = |k: &str| ru.and_then(|r| r.get(k));
    let surge = int_or_percent(field("maxSurge"), s.replicas, true, "25%");
    let mut unavailable = int_or_percent(field("maxUnavailable"), s.replicas, false, "25%");
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    s.max_surge = surge;
    s.max_unavailable = unavailable.min(s.replicas);
}

/// Decides the counts; returns whether a new ReplicaSet is created.
pub(super) fn run(s: &mut Sync) -> bool {
    sync_revision(s);
    if bool_at(s.d, "/spec/paused") {
        scale_paused(s);
        return false;
    }
    if is_recreate(s) {
        recreate(s)
    } else {
        rolling(s)
    }
}

fn max_old_revision(s: &Sync) -> i64 {
    s.old.iter().map(|r| r.revision).max().unwrap_or(0)
}

/// The new ReplicaSet's revision is above every old one's.
fn sync_revision(s: &mut Sync) {
    let max_old = max_old_revision(s);
    if let Some(new) = s.new.as_mut() {
        if new.revision <= max_old {
            new.revision = max_old + 1;
        }
    }
}

fn create_new(s: &mut Sync, replicas: i64) {
    s.new = Some(Rs {
        obj: None,
        name: format!("{}-{}", name(s.d), s.hash),
        spec: replicas,
        orig_spec: 0,
        revision: max_old_revision(s) + 1,
        orig_revision: 0,
        active: 0,
        ready: 0,
        available: 0,
    });
}

/// What the new ReplicaSet may grow to within `maxSurge`
/// (`NewRSNewReplicas`), counting pods that exist or will.
fn surge_target(s: &Sync, new_spec: i64) -> i64 {
    let current: i64 = s.old.iter().chain(s.new.as_ref()).map(Rs::pods_after).sum();
    let max_total = s.replicas + s.max_surge;
    if current >= max_total {
        return new_spec;
    }
    new_spec + (max_total - current).min(s.replicas - new_spec).max(0)
}

fn rolling(s: &mut Sync) -> bool {
    let created = s.new.is_none();
    if created {
        let initial = surge_target(s, 0);
        create_new(s, initial);
    }
    let replicas = s.replicas;
    let new_spec = s.new.as_ref().map_or(0, |n| n.spec);
    let target = if new_spec > replicas {
        replicas
    } else {
        surge_target(s, new_spec)
    };
    if let Some(new) = s.new.as_mut() {
        new.spec = target;
    }
    if target > new_spec {
        // As Kubernetes: a round that scales the new ReplicaSet up leaves
        // the old ones for the next.
        return created;
    }
    scale_down_old(s);
    created
}

/// `reconcileOldReplicaSets`: first remove old pods that are not available
/// anyway, then scale old ReplicaSets down (oldest first) by what is
/// available beyond `replicas - maxUnavailable`.
fn scale_down_old(s: &mut Sync) {
    let old_total: i64 = s.old.iter().map(|r| r.spec).sum();
    if old_total == 0 {
        return;
    }
    let all_total: i64 = s.old.iter().chain(s.new.as_ref()).map(|r| r.spec).sum();
    let min_available = s.replicas - s.max_unavailable;
    let new_unavailable = s.new.as_ref().map_or(0, |n| n.spec - n.available_after());
    let max_scaled_down = all_total - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }
    let mut cleaned = 0;
    for old in s.old.iter_mut() {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = old.spec - old.available_after();
        if old.spec == 0 || unhealthy <= 0 {
            continue;
        }
        let n = (max_scaled_down - cleaned).min(unhealthy);
        old.spec -= n;
        cleaned += n;
    }
    let available: i64 = s
        .old
        .iter()
        .chain(s.new.as_ref())
        .map(Rs::available_after)
        .sum();
    let mut to_scale_down = available - min_available;
    for old in s.old.iter_mut() {
        if to_scale_down <= 0 {
            break;
        }
        let n = old.spec.min(to_scale_down);
        old.spec -= n;
        to_scale_down -= n;
    }
}

fn recreate(s: &mut Sync) -> bool {
    for old in s.old.iter_mut() {
        old.spec = 0;
    }
    if s.old.iter().any(|r| r.active > 0) {
        return false;
    }
    match s.new.as_mut() {
        Some(new) => {
            new.spec = s.replicas;
            false
        }
        None => {
            create_new(s, s.replicas);
            true
        }
    }
}

/// A paused Deployment is only scaled: the new ReplicaSet if no old one is
/// active, else the only active one (`FindActiveOrLatest`).
fn scale_paused(s: &mut Sync) {
    let active_old: Vec<usize> = (0..s.old.len()).filter(|i| s.old[*i].spec > 0).collect();
    match (s.new.as_mut(), active_old.as_slice()) {
        (Some(new), []) => new.spec = s.replicas,
        (None, [only]) => s.old[*only].spec = s.replicas,
        _ => {}
    }
}

/// Old ReplicaSets beyond `revisionHistoryLimit` (default 10), lowest
/// revision first, that are empty and may go (`cleanupDeployment`).
pub(super) fn history_to_delete<'a>(s: &'a Sync) -> Vec<&'a str> {
    let limit = i64_at(s.d, "/spec/revisionHistoryLimit").unwrap_or(10);
    let alive: Vec<&Rs> = s
        .old
        .iter()
        .filter(|r| r.obj.is_some_and(|o| !is_deleting(o)))
        .collect();
    let excess = usize::try_from(alive.len() as i64 - limit).unwrap_or(0);
    alive
        .into_iter()
        .take(excess)
        .filter(|r| {
            r.spec == 0
                && r.orig_spec == 0
                && r.active == 0
                && r.obj
                    .is_some_and(|o| i64_at(o, "/status/replicas").unwrap_or(0) == 0)
        })
        .map(|r| r.name.as_str())
        .collect()
}
