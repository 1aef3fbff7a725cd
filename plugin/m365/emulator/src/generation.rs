//! Generations of the served tenant. The tenant can be replaced while the server runs; each
//! replacement is a new generation, numbered 0, 1, 2, … Only the current generation keeps the
//! whole tenant. For the ones before it, the server keeps the transitions that led to the
//! current one: for every user, group and device that differs, its state just before
//! (its "before image"). So the state of any object at any kept generation is known, and delta
//! queries can list an earlier generation or diff two of them, at a memory cost that follows
//! the changes, not the tenant's size.

use crate::directory::MemberKind;
use crate::endpoints::MemberIndex;
use crate::tenant::Tenant;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The resources delta queries track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Resource {
    /// `/users/delta`
    Users,
    /// `/groups/delta`
    Groups,
    /// `/devices/delta`
    Devices,
}

impl Resource {
    /// The collection's name in paths and `@odata.context`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Resource::Users => "users",
            Resource::Groups => "groups",
            Resource::Devices => "devices",
        }
    }
}

/// A user's state at one generation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum UserImage {
    /// No such user (not created yet, or purged).
    Absent,
    /// Soft-deleted: in `deletedItems`, restorable.
    SoftDeleted,
    /// In `/users`, with every property Graph serializes.
    Live(Value),
}

/// A group's state at one generation, as groups delta sees it.
#[derive(Debug, PartialEq)]
pub(crate) struct GroupState {
    /// Every property Graph serializes.
    pub(crate) json: Value,
    /// Direct members, by object ID.
    pub(crate) live: BTreeMap<String, MemberKind>,
    /// Soft-deleted users that were direct members: Graph keeps their memberships (and does not
    /// report them removed) until they are purged.
    pub(crate) retained: BTreeSet<String>,
}

/// What changed from generation `to - 1` to `to`: the state at `to - 1` of every object that
/// differs.
#[derive(Default)]
struct Transition {
    to: u64,
    users: HashMap<String, UserImage>,
    /// `None`: the group did not exist.
    groups: HashMap<String, Option<Arc<GroupState>>>,
    /// `None`: the device did not exist.
    devices: HashMap<String, Option<Value>>,
}

/// One generation: the tenant served and what is derived from it, with the transitions from
/// the generations before it that are still kept.
pub(crate) struct Generation {
    /// 0 for the tenant the emulator started with, then one more per replacement.
    pub(crate) number: u64,
    /// The tenant.
    pub(crate) tenant: Arc<Tenant>,
    /// Each group's direct and transitive members.
    pub(crate) members: MemberIndex,
    users: HashMap<String, usize>,
    deleted: HashMap<String, usize>,
    devices: HashMap<String, usize>,
    /// Group ID → state, for every group.
    groups: HashMap<String, Arc<GroupState>>,
    /// The transitions that led here, oldest first, the last one to this generation.
    history: Vec<Arc<Transition>>,
    /// Answers computed for delta rounds against this generation, by key.
    cache: Mutex<HashMap<String, Arc<Vec<Value>>>>,
    /// Sorted object IDs per resource and generation, for first rounds.
    listings: Mutex<HashMap<(Resource, u64), Listing>>,
}

/// Sorted object IDs.
type Listing = Arc<Vec<String>>;

/// Cached answers per generation beyond which the caches start over.
const CACHE_ENTRIES: usize = 64;

impl Generation {
    /// Generation 0.
    pub(crate) fn first(tenant: Tenant) -> Generation {
        Generation::build(0, Arc::new(tenant), Vec::new())
    }

    /// The generation after this one, serving `tenant`, keeping the last `keep` transitions.
    pub(crate) fn next(&self, tenant: Tenant, keep: usize) -> Generation {
        let mut next = Generation::build(self.number + 1, Arc::new(tenant), Vec::new());
        let transition = Transition::between(self, &next);
        let mut history = self.history.clone();
        history.push(Arc::new(transition));
        let drop = history.len().saturating_sub(keep);
        history.drain(..drop);
        next.history = history;
        next
    }

    fn build(number: u64, tenant: Arc<Tenant>, history: Vec<Arc<Transition>>) -> Generation {
        let members = MemberIndex::build(&tenant);
        let index = |ids: Vec<&String>| -> HashMap<String, usize> {
            ids.into_iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect()
        };
        let mut retained: Vec<BTreeSet<String>> = vec![BTreeSet::new(); tenant.groups.len()];
        for d in &tenant.deleted_users {
            for &g in &d.user.member_of {
                if let Some(set) = retained.get_mut(g) {
                    set.insert(d.id.clone());
                }
            }
        }
        let groups = tenant
            .groups
            .iter()
            .zip(retained)
            .enumerate()
            .map(|(g, (group, retained))| {
                let live = members
                    .direct(g)
                    .iter()
                    .map(|m| (tenant.member_id(*m).to_string(), m.kind()))
                    .collect();
                let state = GroupState {
                    json: tenant.group_json(group),
                    live,
                    retained,
                };
                (group.id.clone(), Arc::new(state))
            })
            .collect();
        Generation {
            number,
            users: index(tenant.users.iter().map(|u| &u.id).collect()),
            deleted: index(tenant.deleted_users.iter().map(|u| &u.id).collect()),
            devices: index(tenant.devices.iter().map(|d| &d.id).collect()),
            groups,
            members,
            tenant,
            history,
            cache: Mutex::default(),
            listings: Mutex::default(),
        }
    }

    /// Whether generation `g` can still be diffed against this one: it is this one, or every
    /// transition from it to this one is kept.
    pub(crate) fn covers(&self, g: u64) -> bool {
        g <= self.number && self.number - g <= self.history.len() as u64
    }

    /// The kept transitions after generation `g`, oldest first.
    fn after(&self, g: u64) -> impl Iterator<Item = &Transition> {
        self.history
            .iter()
            .map(Arc::as_ref)
            .filter(move |t| t.to > g)
    }

    /// User `id` at generation `g` (which [`Generation::covers`]).
    pub(crate) fn user_at(&self, g: u64, id: &str) -> UserImage {
        for t in self.after(g) {
            if let Some(image) = t.users.get(id) {
                return image.clone();
            }
        }
        self.user_now(id)
    }

    fn user_now(&self, id: &str) -> UserImage {
        if let Some(&i) = self.users.get(id) {
            return UserImage::Live(self.tenant.user_json(&self.tenant.users[i]));
        }
        match self.deleted.contains_key(id) {
            true => UserImage::SoftDeleted,
            false => UserImage::Absent,
        }
    }

    /// Group `id` at generation `g`, if it existed.
    pub(crate) fn group_at(&self, g: u64, id: &str) -> Option<Arc<GroupState>> {
        for t in self.after(g) {
            if let Some(state) = t.groups.get(id) {
                return state.clone();
            }
        }
        self.groups.get(id).cloned()
    }

    /// Device `id` at generation `g`, if it existed.
    pub(crate) fn device_at(&self, g: u64, id: &str) -> Option<Value> {
        for t in self.after(g) {
            if let Some(device) = t.devices.get(id) {
                return device.clone();
            }
        }
        let &i = self.devices.get(id)?;
        Some(self.tenant.device_json(&self.tenant.devices[i]))
    }

    /// Whether object `id` of `resource` is live at generation `g` (soft-deleted users are not).
    fn live_at(&self, resource: Resource, g: u64, id: &str) -> bool {
        match resource {
            Resource::Users => matches!(self.user_at(g, id), UserImage::Live(_)),
            Resource::Groups => self.group_at(g, id).is_some(),
            Resource::Devices => self.device_at(g, id).is_some(),
        }
    }

    /// IDs of the objects of `resource` changed from generation `from` to `to`, sorted.
    pub(crate) fn changed(&self, resource: Resource, from: u64, to: u64) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for t in self.after(from).filter(|t| t.to <= to) {
            match resource {
                Resource::Users => ids.extend(t.users.keys().cloned()),
                Resource::Groups => ids.extend(t.groups.keys().cloned()),
                Resource::Devices => ids.extend(t.devices.keys().cloned()),
            }
        }
        ids
    }

    /// The IDs of the live objects of `resource` at generation `g`, sorted.
    pub(crate) fn listing(&self, resource: Resource, g: u64) -> Listing {
        if let Some(hit) = self.listings.lock().unwrap().get(&(resource, g)) {
            return hit.clone();
        }
        let now: Vec<&String> = match resource {
            Resource::Users => self.tenant.users.iter().map(|u| &u.id).collect(),
            Resource::Groups => self.tenant.groups.iter().map(|g| &g.id).collect(),
            Resource::Devices => self.tenant.devices.iter().map(|d| &d.id).collect(),
        };
        let touched = self.changed(resource, g, self.number);
        let mut ids: Vec<String> = now
            .into_iter()
            .filter(|id| !touched.contains(*id))
            .cloned()
            .collect();
        ids.extend(
            touched
                .into_iter()
                .filter(|id| self.live_at(resource, g, id)),
        );
        ids.sort_unstable();
        let ids = Arc::new(ids);
        let mut listings = self.listings.lock().unwrap();
        if listings.len() >= CACHE_ENTRIES {
            listings.clear();
        }
        listings.insert((resource, g), ids.clone());
        ids
    }

    /// A cached answer, or `compute`'s (then cached).
    pub(crate) fn cached(
        &self,
        key: String,
        compute: impl FnOnce() -> Vec<Value>,
    ) -> Arc<Vec<Value>> {
        if let Some(hit) = self.cache.lock().unwrap().get(&key) {
            return hit.clone();
        }
        let value = Arc::new(compute());
        let mut cache = self.cache.lock().unwrap();
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, value.clone());
        value
    }
}

impl Transition {
    /// The before images of everything that differs from `old` to `new`.
    fn between(old: &Generation, new: &Generation) -> Transition {
        let (a, b) = (old.tenant.as_ref(), new.tenant.as_ref());
        let mut t = Transition {
            to: new.number,
            ..Transition::default()
        };
        for (id, &i) in &old.users {
            let before = &a.users[i];
            let same = new.users.get(id).is_some_and(|&j| {
                let after = &b.users[j];
                a.user_renders_same(before, b, after) || a.user_json(before) == b.user_json(after)
            });
            if !same {
                t.users
                    .insert(id.clone(), UserImage::Live(a.user_json(before)));
            }
        }
        for id in old.deleted.keys() {
            if !new.deleted.contains_key(id) {
                t.users.insert(id.clone(), UserImage::SoftDeleted);
            }
        }
        let known = |id: &String| old.users.contains_key(id) || old.deleted.contains_key(id);
        for id in new.users.keys().chain(new.deleted.keys()) {
            if !known(id) {
                t.users.insert(id.clone(), UserImage::Absent);
            }
        }

        for (id, state) in &old.groups {
            if new.groups.get(id) != Some(state) {
                t.groups.insert(id.clone(), Some(state.clone()));
            }
        }
        for id in new.groups.keys() {
            if !old.groups.contains_key(id) {
                t.groups.insert(id.clone(), None);
            }
        }

        for (id, &i) in &old.devices {
            let before = &a.devices[i];
            let same = new.devices.get(id).is_some_and(|&j| {
                let after = &b.devices[j];
                before == after || a.device_json(before) == b.device_json(after)
            });
            if !same {
                t.devices.insert(id.clone(), Some(a.device_json(before)));
            }
        }
        let old_devices: HashSet<&String> = old.devices.keys().collect();
        for id in new.devices.keys() {
            if !old_devices.contains(id) {
                t.devices.insert(id.clone(), None);
            }
        }
        t
    }
}
