//! The order of a list after a strategic merge (apimachinery's
//! `normalizeElementOrder`): the items the patch names, in the patch's (or
//! `$setElementOrder`'s) order, interleaved with the live-only items, which
//! keep their live order and stay before the first patch item that came
//! after them in the live list.
//!
//! [`partition`] first splits a merged list into the items the patch names
//! and the live-only rest. Items are matched by merge key for lists of objects (`key` is `Some`)
//! and by value for lists of scalars.

use super::PatchError;
use serde_json::Value;

/// Where `item` is in `list`, by merge key or by value.
pub(super) fn index_of(list: &[Value], item: &Value, key: Option<&str>) -> Option<usize> {
    match key {
        Some(k) => {
            let want = item.get(k);
            list.iter().position(|v| v.get(k) == want)
        }
        None => list.iter().position(|v| v == item),
    }
}

/// Splits `items` into those present in `by` and the rest, keeping order.
pub(super) fn partition(
    items: Vec<Value>,
    by: &[Value],
    key: Option<&str>,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut found = Vec::new();
    let mut rest = Vec::new();
    for v in items {
        if let Some(k) = key {
            if v.get(k).is_none() {
                return Err(PatchError::Internal(format!(
                    "map: {} does not contain declared merge key: {k}",
                    super::go_fmt(&v)
                )));
            }
        }
        if index_of(by, &v, key).is_some() {
            found.push(v);
        } else {
            rest.push(v);
        }
    }
    Ok((found, rest))
}

/// Sorts `from_patch` by `patch_order` and `live_only` by `live_order`,
/// then interleaves them.
pub(super) fn normalize(
    from_patch: Vec<Value>,
    live_only: Vec<Value>,
    patch_order: &[Value],
    live_order: &[Value],
    key: Option<&str>,
) -> Result<Vec<Value>, PatchError> {
    let from_patch = sort_by(from_patch, patch_order, key)?;
    let live_only = sort_by(live_only, live_order, key)?;
    Ok(merge_sorted(live_only, from_patch, live_order, key))
}

/// Stable sort of `items` by their position in `order`; items `order`
/// marks `$patch: delete` are dropped.
fn sort_by(
    mut items: Vec<Value>,
    order: &[Value],
    key: Option<&str>,
) -> Result<Vec<Value>, PatchError> {
    let mut deleted = Vec::new();
    if let Some(k) = key {
        for v in items.iter().chain(order) {
            if v.get(k).is_none() {
                return Err(PatchError::Internal(format!(
                    "map: {} does not contain declared merge key: {k}",
                    super::go_fmt(v)
                )));
            }
        }
        deleted = order
            .iter()
            .filter(|v| v.get("$patch").and_then(Value::as_str) == Some("delete"))
            .cloned()
            .collect();
    }
    items.sort_by_key(|v| index_of(order, v, key).unwrap_or(usize::MAX));
    items.retain(|v| index_of(&deleted, v, key).is_none());
    Ok(items)
}

/// Inserts each `left` (live-only) item into `right` (patch items): both
/// keep their relative order, and a live-only item goes before the first
/// patch item it preceded in `live_order`.
pub(super) fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    live_order: &[Value],
    key: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (index_of(live_order, l, key), index_of(live_order, r, key)) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn live_only_items_stay_where_they_were() {
        let live = [json!("a"), json!("b"), json!("c"), json!("d")];
        // The patch names d then b; a and c exist only live, and c came
        // before d.
        let got = normalize(
            vec![json!("b"), json!("d")],
            vec![json!("c"), json!("a")],
            &[json!("d"), json!("b")],
            &live,
            None,
        )
        .expect("normalize");
        assert_eq!(got, [json!("a"), json!("c"), json!("d"), json!("b")]);
    }
}
