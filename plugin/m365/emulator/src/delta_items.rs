//! The items of a delta round. A first round lists every live object at its generation with
//! its selected properties; a group appears once per slice of its members (`members@delta`),
//! so a large group spreads over several items and pages. A later round diffs two generations
//! object by object over the tracked properties: changed objects come with their selected
//! properties (or, with `Prefer: return=minimal`, their ID and the changed properties),
//! removed ones as `{"id", "@removed": {"reason"}}`, and groups with the members added and
//! removed since.

use crate::directory::MemberKind;
use crate::generation::{Generation, GroupState, Resource, UserImage};
use crate::server::{GROUP_DEFAULTS, USER_DEFAULTS};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

/// The properties a delta query selects and tracks.
#[derive(Clone, Debug)]
pub(crate) struct Selection {
    /// Lowercased names of the selected properties (`id` included); `None` for all.
    names: Option<Vec<String>>,
    /// Whether group membership is selected (`members`, and by default).
    pub(crate) members: bool,
    /// Whether changes to `licenseAssignmentStates` count as changes.
    track_states: bool,
}

impl Selection {
    /// The selection of `$select` (or the resource's defaults without it).
    pub(crate) fn new(resource: Resource, select: Option<&str>, track_states: bool) -> Selection {
        let listed = |s: &str| -> Vec<String> {
            s.split(',')
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect()
        };
        let (names, members) = match (resource, select) {
            (Resource::Users, None) => (Some(lower(USER_DEFAULTS)), false),
            (Resource::Groups, None) => (Some(lower(GROUP_DEFAULTS)), true),
            (Resource::Devices, None) => (None, false),
            (_, Some(s)) => {
                let mut names = listed(s);
                let members = resource == Resource::Groups && names.iter().any(|n| n == "members");
                names.retain(|n| n != "members");
                names.push("id".into());
                (Some(names), members)
            }
        };
        Selection {
            names,
            members,
            track_states,
        }
    }

    /// The selected properties of an object.
    fn project(&self, item: &Value) -> Map<String, Value> {
        let Value::Object(map) = item else {
            return Map::new();
        };
        map.iter()
            .filter(|(k, _)| {
                self.names
                    .as_ref()
                    .is_none_or(|names| names.contains(&k.to_lowercase()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether a change to property `key` makes the object part of the next round.
    fn tracked(&self, key: &str) -> bool {
        key != "id" && (self.track_states || !key.eq_ignore_ascii_case("licenseAssignmentStates"))
    }
}

fn lower(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_lowercase()).collect()
}

/// The items of one round, or what they are computed from.
pub(crate) enum Items {
    /// A first round of users or devices: object IDs, one item each.
    Ids(Arc<Vec<String>>),
    /// A first round of groups: (group ID, slice of its members), one item each.
    Slices(Vec<(String, usize)>),
    /// A later round, rendered.
    Rendered(Arc<Vec<Value>>),
}

impl Items {
    /// Number of items.
    pub(crate) fn len(&self) -> usize {
        match self {
            Items::Ids(ids) => ids.len(),
            Items::Slices(slices) => slices.len(),
            Items::Rendered(items) => items.len(),
        }
    }
}

/// One round's view of the generations.
pub(crate) struct Round<'a> {
    /// The current generation (which knows the earlier ones it covers).
    pub(crate) generation: &'a Generation,
    /// What is queried.
    pub(crate) resource: Resource,
    /// What is selected.
    pub(crate) selection: Selection,
    /// The object IDs of `$filter=id eq …`, if any.
    pub(crate) filter: Option<&'a [String]>,
    /// Most members in one item's `members@delta`.
    pub(crate) members_per_item: usize,
}

impl Round<'_> {
    fn wanted(&self, id: &str) -> bool {
        self.filter.is_none_or(|ids| ids.iter().any(|x| x == id))
    }

    /// The items of a first round listing generation `at`.
    pub(crate) fn listing(&self, at: u64) -> Items {
        let mut ids = self.generation.listing(self.resource, at);
        if self.filter.is_some() {
            ids = Arc::new(ids.iter().filter(|id| self.wanted(id)).cloned().collect());
        }
        if self.resource != Resource::Groups {
            return Items::Ids(ids);
        }
        let per = self.members_per_item.max(1);
        let mut slices = Vec::new();
        for id in ids.iter() {
            let members = match (self.selection.members, self.generation.group_at(at, id)) {
                (true, Some(state)) => state.live.len(),
                _ => 0,
            };
            for slice in 0..members.div_ceil(per).max(1) {
                slices.push((id.clone(), slice));
            }
        }
        Items::Slices(slices)
    }

    /// Items `range` of a first round at generation `at`, or of a later round.
    pub(crate) fn render(&self, items: &Items, range: Range<usize>, at: u64) -> Vec<Value> {
        match items {
            Items::Rendered(all) => all[range].to_vec(),
            Items::Ids(ids) => ids[range]
                .iter()
                .filter_map(|id| {
                    let item = match self.resource {
                        Resource::Users => match self.generation.user_at(at, id) {
                            UserImage::Live(user) => Some(user),
                            _ => None,
                        },
                        _ => self.generation.device_at(at, id),
                    };
                    item.map(|item| Value::Object(self.selection.project(&item)))
                })
                .collect(),
            Items::Slices(slices) => slices[range]
                .iter()
                .filter_map(|(id, slice)| {
                    let state = self.generation.group_at(at, id)?;
                    let mut item = self.selection.project(&state.json);
                    if self.selection.members {
                        let per = self.members_per_item.max(1);
                        let members: Vec<Value> = state
                            .live
                            .iter()
                            .skip(slice * per)
                            .take(per)
                            .map(|(id, kind)| member(id, *kind, false))
                            .collect();
                        if !members.is_empty() {
                            item.insert("members@delta".into(), Value::Array(members));
                        }
                    }
                    Some(Value::Object(item))
                })
                .collect(),
        }
    }

    /// The items of a later round: what changed from generation `from` to `to`.
    pub(crate) fn changes(&self, from: u64, to: u64, minimal: bool) -> Vec<Value> {
        let g = self.generation;
        let mut out = Vec::new();
        for id in g.changed(self.resource, from, to) {
            if !self.wanted(&id) {
                continue;
            }
            match self.resource {
                Resource::Users => out.extend(self.user_change(
                    &id,
                    g.user_at(from, &id),
                    g.user_at(to, &id),
                    minimal,
                )),
                Resource::Groups => self.group_change(
                    &id,
                    g.group_at(from, &id),
                    g.group_at(to, &id),
                    minimal,
                    &mut out,
                ),
                Resource::Devices => {
                    let (before, after) = (g.device_at(from, &id), g.device_at(to, &id));
                    match (before, after) {
                        (Some(b), Some(a)) => out.extend(self.changed(&id, &b, &a, minimal)),
                        (None, Some(a)) => out.push(Value::Object(self.selection.project(&a))),
                        (Some(_), None) => out.push(removed(&id, "deleted")),
                        (None, None) => {}
                    }
                }
            }
        }
        out
    }

    fn user_change(
        &self,
        id: &str,
        before: UserImage,
        after: UserImage,
        minimal: bool,
    ) -> Option<Value> {
        use UserImage::{Absent, Live, SoftDeleted};
        match (before, after) {
            (Live(b), Live(a)) => self.changed(id, &b, &a, minimal),
            // New or restored: the client has no earlier state, so everything selected.
            (_, Live(a)) => Some(Value::Object(self.selection.project(&a))),
            (Live(_), SoftDeleted) => Some(removed(id, "changed")),
            (Live(_) | SoftDeleted, Absent) => Some(removed(id, "deleted")),
            _ => None,
        }
    }

    /// The item for an object changed from `before` to `after`, if a tracked selected property
    /// changed: its ID and the changed properties when `minimal`, else its selected properties
    /// without those that were never set (null before and after).
    fn changed(&self, id: &str, before: &Value, after: &Value, minimal: bool) -> Option<Value> {
        Some(Value::Object(
            self.changed_base(id, before, after, minimal)?,
        ))
    }

    fn changed_base(
        &self,
        id: &str,
        before: &Value,
        after: &Value,
        minimal: bool,
    ) -> Option<Map<String, Value>> {
        let (b, a) = (
            self.selection.project(before),
            self.selection.project(after),
        );
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let changed: Vec<&String> = keys
            .into_iter()
            .filter(|k| self.selection.tracked(k) && b.get(*k) != a.get(*k))
            .collect();
        if changed.is_empty() {
            return None;
        }
        Some(self.base(id, &b, &a, &changed, minimal))
    }

    fn base(
        &self,
        id: &str,
        b: &Map<String, Value>,
        a: &Map<String, Value>,
        changed: &[&String],
        minimal: bool,
    ) -> Map<String, Value> {
        if minimal {
            let mut item = Map::new();
            item.insert("id".into(), json!(id));
            for k in changed {
                item.insert((*k).clone(), a.get(*k).cloned().unwrap_or(Value::Null));
            }
            return item;
        }
        let never_set = |k: &String| {
            k != "id" && a.get(k).is_none_or(Value::is_null) && b.get(k).is_none_or(Value::is_null)
        };
        a.iter()
            .filter(|(k, _)| !never_set(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn group_change(
        &self,
        id: &str,
        before: Option<Arc<GroupState>>,
        after: Option<Arc<GroupState>>,
        minimal: bool,
        out: &mut Vec<Value>,
    ) {
        let (b, a) = match (before, after) {
            (Some(_), None) => return out.push(removed(id, "deleted")),
            (None, None) => return,
            (None, Some(a)) => {
                let members = match self.selection.members {
                    true => a.live.iter().map(|(id, k)| member(id, *k, false)).collect(),
                    false => Vec::new(),
                };
                return self.appearances(self.selection.project(&a.json), members, out);
            }
            (Some(b), Some(a)) => (b, a),
        };
        let mut members = Vec::new();
        if self.selection.members {
            for (m, kind) in &a.live {
                if !b.live.contains_key(m) {
                    members.push(member(m, *kind, false));
                }
            }
            let gone = |m: &String| !a.live.contains_key(m) && !a.retained.contains(m);
            for (m, kind) in &b.live {
                if gone(m) {
                    members.push(member(m, *kind, true));
                }
            }
            for m in &b.retained {
                if gone(m) && !b.live.contains_key(m) {
                    members.push(member(m, MemberKind::User, true));
                }
            }
        }
        let base = match self.changed_base(id, &b.json, &a.json, minimal) {
            Some(base) => base,
            None if members.is_empty() => return,
            None => {
                let (pb, pa) = (
                    self.selection.project(&b.json),
                    self.selection.project(&a.json),
                );
                self.base(id, &pb, &pa, &[], minimal)
            }
        };
        self.appearances(base, members, out);
    }

    /// The group's items: `base` alone, or `base` with each slice of `members`.
    fn appearances(&self, base: Map<String, Value>, members: Vec<Value>, out: &mut Vec<Value>) {
        if members.is_empty() {
            return out.push(Value::Object(base));
        }
        for slice in members.chunks(self.members_per_item.max(1)) {
            let mut item = base.clone();
            item.insert("members@delta".into(), Value::Array(slice.to_vec()));
            out.push(Value::Object(item));
        }
    }
}

/// A `members@delta` entry.
fn member(id: &str, kind: MemberKind, removed: bool) -> Value {
    let mut entry = json!({"@odata.type": kind.odata_type(), "id": id});
    if removed {
        entry["@removed"] = json!({"reason": "deleted"});
    }
    entry
}

/// A removed object: soft-deleted (`changed`) or deleted for good (`deleted`).
fn removed(id: &str, reason: &str) -> Value {
    json!({"id": id, "@removed": {"reason": reason}})
}
