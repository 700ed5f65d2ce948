//! Events (`core/v1` Event objects) for the transitions controllers make.
//!
//! Controllers are stateless, so an event is emitted together with the
//! action that makes the transition, and its name is derived from the
//! involved object's uid, the reason and the message
//! (`<object>.<16 hex digits>`, shaped like Kubernetes' `<object>.<nanos>`).
//! A [`Recorder`] skips names that already exist, so running a controller
//! again (for instance after one of its actions was rejected) does not
//! duplicate an event; the flip side is that a transition repeated with the
//! very same message later is recorded once (Kubernetes would bump `count`).

use super::obj::{fmt_time, fnv32a, name, ns, str_at, uid};
use super::{Action, Resource, World};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(crate) fn resource() -> Resource {
    Resource::new("", "events")
}

/// Collects events for one controller run. The existing events are read
/// on the first emit only: most rounds emit nothing.
pub(crate) struct Recorder<'w> {
    world: &'w dyn World,
    component: &'static str,
    now: DateTime<Utc>,
    existing: Option<BTreeSet<(String, String)>>,
}

impl<'w> Recorder<'w> {
    pub(crate) fn new(world: &'w dyn World, component: &'static str, now: DateTime<Utc>) -> Self {
        Recorder {
            world,
            component,
            now,
            existing: None,
        }
    }

    pub(crate) fn normal(&mut self, out: &mut Vec<Action>, obj: &Value, reason: &str, msg: String) {
        self.emit(out, obj, "Normal", reason, msg);
    }

    pub(crate) fn warning(
        &mut self,
        out: &mut Vec<Action>,
        obj: &Value,
        reason: &str,
        msg: String,
    ) {
        self.emit(out, obj, "Warning", reason, msg);
    }

    fn emit(&mut self, out: &mut Vec<Action>, obj: &Value, type_: &str, reason: &str, msg: String) {
        let key = format!("{}\n{reason}\n{msg}", uid(obj));
        let hash = u64::from(fnv32a(key.as_bytes())) << 32
            | u64::from(fnv32a(format!("{key}\n2").as_bytes()));
        // Events of cluster-scoped objects go to `default`, as in Kubernetes.
        let namespace = match ns(obj) {
            "" => "default",
            n => n,
        };
        let event_name = format!("{}.{hash:016x}", name(obj));
        let world = self.world;
        let existing = self.existing.get_or_insert_with(|| {
            world
                .list(&resource())
                .into_iter()
                .map(|e| (ns(e).to_string(), name(e).to_string()))
                .collect()
        });
        if !existing.insert((namespace.to_string(), event_name.clone())) {
            return;
        }
        let now = fmt_time(self.now);
        let mut involved = json!({
            "apiVersion": str_at(obj, "/apiVersion").unwrap_or_default(),
            "kind": str_at(obj, "/kind").unwrap_or_default(),
            "name": name(obj),
            "uid": uid(obj),
        });
        if !ns(obj).is_empty() {
            involved["namespace"] = json!(ns(obj));
        }
        out.push(Action::Create {
            resource: resource(),
            object: json!({
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": event_name, "namespace": namespace},
                "involvedObject": involved,
                "reason": reason,
                "message": msg,
                "type": type_,
                "source": {"component": self.component},
                "reportingComponent": self.component,
                "reportingInstance": "",
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
            }),
        });
    }
}
