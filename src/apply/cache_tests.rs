use super::*;
use serde_json::json;

fn cm_kind() -> KindKey {
    KindKey {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
    }
}

fn cm(name: &str, rv: &str, value: &str) -> Value {
    json!({"metadata": {"name": name, "namespace": "shop", "resourceVersion": rv}, "data": {"k": value}})
}

fn id(name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("shop".into()),
        name: name.into(),
    }
}

fn names(touched: &[Touched]) -> Vec<String> {
    touched.iter().map(|t| t.id.name.clone()).collect()
}

fn listed(cache: &mut Cache, objects: Vec<Value>) -> Applied {
    let k = cm_kind();
    cache.apply(&k, WatchEvent::Init);
    for o in objects {
        cache.apply(&k, WatchEvent::InitApply(o));
    }
    cache.apply(&k, WatchEvent::InitDone)
}

#[test]
fn nothing_is_read_before_the_first_list_completes() {
    let mut cache = Cache::new("default");
    assert_eq!(cache.lookup(&id("a")), Lookup::Unsynced, "untracked");
    cache.track(cm_kind(), true);
    let k = cm_kind();
    cache.apply(&k, WatchEvent::Init);
    cache.apply(&k, WatchEvent::InitApply(cm("a", "1", "x")));
    assert_eq!(cache.lookup(&id("a")), Lookup::Unsynced, "half listed");
    assert!(!cache.all_synced());
    let done = cache.apply(&k, WatchEvent::InitDone);
    assert!(done.first_sync);
    assert_eq!(names(&done.touched), ["a"]);
    match cache.lookup(&id("a")) {
        Lookup::Present(v) => {
            assert_eq!(v["data"]["k"], "x");
            assert_eq!(v["kind"], "ConfigMap", "filled in from the watched kind");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        cache.lookup(&id("b")),
        Lookup::NotCached,
        "never absent: it may exist without our label"
    );
}

#[test]
fn events_update_and_report_before_and_after() {
    let mut cache = Cache::new("default");
    cache.track(cm_kind(), true);
    listed(&mut cache, vec![cm("a", "1", "x")]);
    let k = cm_kind();
    let applied = cache.apply(&k, WatchEvent::Apply(cm("a", "2", "y")));
    assert!(!applied.first_sync);
    let t = &applied.touched[0];
    assert_eq!(
        t.old.as_ref().map(|v| v["data"]["k"].clone()),
        Some(json!("x"))
    );
    assert_eq!(
        t.new.as_ref().map(|v| v["data"]["k"].clone()),
        Some(json!("y"))
    );
    assert!(cache.seen(&id("a"), "1") && cache.seen(&id("a"), "2"));
    assert!(!cache.seen(&id("a"), "3"));
    let deleted = cache.apply(&k, WatchEvent::Delete(cm("a", "3", "y")));
    assert_eq!(deleted.touched[0].new, None);
    assert_eq!(cache.lookup(&id("a")), Lookup::NotCached);
    assert!(
        cache
            .apply(&k, WatchEvent::Delete(cm("zz", "4", "y")))
            .touched
            .is_empty(),
        "deleting what was not cached touches nothing"
    );
}

#[test]
fn an_error_unsyncs_until_a_relist_which_swaps_in_at_once() {
    let mut cache = Cache::new("default");
    cache.track(cm_kind(), true);
    listed(&mut cache, vec![cm("a", "1", "x"), cm("b", "1", "x")]);
    cache.broken(&cm_kind());
    assert_eq!(cache.lookup(&id("a")), Lookup::Unsynced);
    let k = cm_kind();
    cache.apply(&k, WatchEvent::Init);
    cache.apply(&k, WatchEvent::InitApply(cm("a", "5", "changed")));
    cache.apply(&k, WatchEvent::InitApply(cm("c", "5", "new")));
    assert_eq!(cache.lookup(&id("b")), Lookup::Unsynced);
    let done = cache.apply(&k, WatchEvent::InitDone);
    assert!(!done.first_sync, "a relist, not the first list");
    assert_eq!(
        names(&done.touched),
        ["a", "b", "c"],
        "changed, gone and new; an unchanged object is not touched"
    );
    assert_eq!(cache.lookup(&id("b")), Lookup::NotCached);
    assert!(cache.is_synced(&k));
}

#[test]
fn cluster_scoped_and_defaulted_namespaces() {
    let mut cache = Cache::new("default");
    let ns = KindKey {
        api_version: "v1".into(),
        kind: "Namespace".into(),
    };
    cache.track(ns.clone(), false);
    cache.track(cm_kind(), true);
    cache.apply(&ns, WatchEvent::Init);
    cache.apply(
        &ns,
        WatchEvent::InitApply(json!({"metadata": {"name": "shop", "resourceVersion": "1"}})),
    );
    cache.apply(&ns, WatchEvent::InitDone);
    let shop = ObjectRef {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: None,
        name: "shop".into(),
    };
    assert!(matches!(cache.lookup(&shop), Lookup::Present(_)));
    listed(
        &mut cache,
        vec![json!({"metadata": {"name": "d", "namespace": "default", "resourceVersion": "2"}})],
    );
    let defaulted = ObjectRef {
        namespace: None,
        ..id("d")
    };
    assert!(matches!(cache.lookup(&defaulted), Lookup::Present(_)));
    cache.untrack(&ns);
    assert_eq!(cache.lookup(&shop), Lookup::Unsynced);
    assert!(
        cache.apply(&ns, WatchEvent::Init).touched.is_empty(),
        "a stopped watch's late events are ignored"
    );
    assert_eq!(cache.kinds().count(), 1);
}
