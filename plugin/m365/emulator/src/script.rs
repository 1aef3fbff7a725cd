//! Scripted changes to a tenant, one at a time: joiners and leavers, purges and restores of
//! soft-deleted users, renames, accounts disabled and enabled, direct licences, group
//! memberships (with the licences a group assigns), nesting, group and device lifecycles, and
//! SKU units. Each change keeps every invariant [`crate::expected`] relies on (see
//! [`Tenant::consistency_errors`]), so the ground truth stays right for a changed tenant.

use crate::catalog::{FIRST, LAST, guid};
use crate::clock::{self, DAY};
use crate::deleted::DeletedUser;
use crate::directory::{MemberRef, draw_device, sync_licence_groups};
use crate::expected::held_skus;
use crate::subscriptions::Subscription;
use crate::tenant::{AssignmentState, Group, Tenant, User, UserTemplate, direct, group, stream};
use anyhow::{Context, ensure};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One change to a tenant. Users, groups and devices are named by object ID, SKUs by index into
/// [`Tenant::skus`] (see [`crate::tenant::sku`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A new user drawn from `seed` as the generated ones are (created in the last 15 days,
    /// signed in or not yet), also a direct member of `group` when given, with that group's
    /// licences.
    Joiner {
        /// Seed of the draw.
        seed: u64,
        /// Object ID of a group the user joins.
        group: Option<String>,
    },
    /// The user is soft-deleted: it moves to [`Tenant::deleted_users`] with its licences and
    /// memberships, and no longer owns devices.
    Leaver {
        /// Object ID.
        user: String,
    },
    /// A soft-deleted user is deleted permanently.
    Purge {
        /// Object ID.
        user: String,
    },
    /// A soft-deleted user is restored with its properties, licence states and memberships.
    Restore {
        /// Object ID.
        user: String,
    },
    /// A new user principal name.
    RenameUpn {
        /// Object ID.
        user: String,
        /// The new name; no other user may have it.
        upn: String,
    },
    /// A new display name.
    RenameDisplayName {
        /// Object ID.
        user: String,
        /// The new name.
        display_name: String,
    },
    /// An enabled account is disabled.
    Disable {
        /// Object ID.
        user: String,
    },
    /// A disabled account is enabled.
    Enable {
        /// Object ID.
        user: String,
    },
    /// A direct, working assignment of a SKU the user has no direct assignment of.
    AddLicence {
        /// Object ID.
        user: String,
        /// SKU index.
        sku: usize,
    },
    /// The user's direct assignment of a SKU is removed (assignments by group stay).
    RemoveLicence {
        /// Object ID.
        user: String,
        /// SKU index.
        sku: usize,
    },
    /// The user becomes a direct member of the group and gets the licences it assigns.
    JoinGroup {
        /// Object ID of the user.
        user: String,
        /// Object ID of the group.
        group: String,
    },
    /// The user stops being a direct member of the group and loses the licences it assigned.
    LeaveGroup {
        /// Object ID of the user.
        user: String,
        /// Object ID of the group.
        group: String,
    },
    /// A group becomes a member of another (its members do not inherit the outer group's
    /// licences). Nesting never makes a cycle.
    NestGroup {
        /// Object ID of the nested group.
        group: String,
        /// Object ID of the outer group.
        parent: String,
    },
    /// A nested group stops being a member of the outer group.
    UnnestGroup {
        /// Object ID of the nested group.
        group: String,
        /// Object ID of the outer group.
        parent: String,
    },
    /// A new security group, assigning `licences` (SKU indices, no plan disabled).
    NewGroup {
        /// Object ID; no object may have it.
        id: String,
        /// Display name.
        display_name: String,
        /// SKUs the group assigns to its direct members.
        licences: Vec<usize>,
    },
    /// The group is deleted permanently: its members lose the licences it assigned and it
    /// leaves the groups it was nested in. The fixed groups ([`crate::tenant::group`]) cannot
    /// be deleted.
    DeleteGroup {
        /// Object ID.
        group: String,
    },
    /// A SKU's enabled units go up or down; its `Enabled` subscriptions follow.
    SkuUnits {
        /// SKU index.
        sku: usize,
        /// The new number of enabled units.
        enabled: u64,
    },
    /// A new device drawn from `seed`, owned by `owner` when given.
    DeviceAdded {
        /// Seed of the draw.
        seed: u64,
        /// Object ID of the user who owns it.
        owner: Option<String>,
    },
    /// The device is deleted and leaves the groups it was a member of.
    DeviceRemoved {
        /// Object ID.
        device: String,
    },
}

/// How many kinds of change [`Change::random`] draws from.
const KINDS: usize = 19;

impl Change {
    /// Whether this is a day-to-day change of people (joiners, leavers, restores, renames,
    /// accounts disabled or enabled, licences and group memberships, devices), not a purchase
    /// (units) or a group created or deleted.
    pub fn is_churn(&self) -> bool {
        !matches!(
            self,
            Change::SkuUnits { .. } | Change::DeleteGroup { .. } | Change::NewGroup { .. }
        )
    }

    /// A change drawn from `rng` that fits `tenant` (names objects it has, changes something).
    pub fn random<R: Rng + ?Sized>(rng: &mut R, tenant: &Tenant) -> Change {
        loop {
            // A joiner always fits, so this ends.
            if let Some(change) = draw(rng.random_range(0..KINDS), rng, tenant) {
                return change;
            }
        }
    }
}

/// A random position among `items` that satisfies `want`, scanning from a random start.
fn find<T, R: Rng + ?Sized>(rng: &mut R, items: &[T], want: impl Fn(&T) -> bool) -> Option<usize> {
    if items.is_empty() {
        return None;
    }
    let start = rng.random_range(0..items.len());
    (0..items.len())
        .map(|k| (start + k) % items.len())
        .find(|i| want(&items[*i]))
}

/// A random element of a non-empty slice.
fn one<T: Clone, R: Rng + ?Sized>(rng: &mut R, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[rng.random_range(0..items.len())].clone())
}

/// A change of kind `kind`, if the tenant has something it can apply to.
fn draw<R: Rng + ?Sized>(kind: usize, rng: &mut R, t: &Tenant) -> Option<Change> {
    let user = |rng: &mut R, want: &dyn Fn(&User) -> bool| {
        find(rng, &t.users, want).map(|i| (i, t.users[i].id.clone()))
    };
    let licence_groups: Vec<usize> = (0..t.groups.len())
        .filter(|g| !t.groups[*g].licenses.is_empty())
        .collect();
    Some(match kind {
        0 => Change::Joiner {
            seed: rng.random(),
            group: match rng.random_bool(0.5) {
                true => one(rng, &licence_groups).map(|g| t.groups[g].id.clone()),
                false => None,
            },
        },
        1 => Change::Leaver {
            user: user(rng, &|_| true)?.1,
        },
        2 => Change::Purge {
            user: one(rng, &t.deleted_users)?.id,
        },
        3 => {
            let d = one(rng, &t.deleted_users)?;
            t.user_by_upn(&d.user.upn).is_none().then_some(())?;
            Change::Restore { user: d.id }
        }
        4 => {
            let (i, id) = user(rng, &|u| u.user_type == "Member")?;
            let upn = renamed(&t.users[i].upn, rng.random_range(0..0x100_0000));
            t.user_by_upn(&upn).is_none().then_some(())?;
            Change::RenameUpn { user: id, upn }
        }
        5 => {
            let (i, id) = user(rng, &|_| true)?;
            let first = FIRST[rng.random_range(0..FIRST.len())];
            let last = LAST[rng.random_range(0..LAST.len())];
            let display_name = format!("{first} {last}");
            (t.users[i].display_name != display_name).then_some(())?;
            Change::RenameDisplayName {
                user: id,
                display_name,
            }
        }
        6 => Change::Disable {
            user: user(rng, &|u| u.enabled)?.1,
        },
        7 => Change::Enable {
            user: user(rng, &|u| !u.enabled)?.1,
        },
        8 => {
            let sku = rng.random_range(0..t.skus.len());
            let has = move |u: &User| u.states.iter().any(|s| s.sku == sku && s.group.is_none());
            Change::AddLicence {
                user: user(rng, &|u| !has(u))?.1,
                sku,
            }
        }
        9 => {
            let (i, id) = user(rng, &|u| u.states.iter().any(|s| s.group.is_none()))?;
            let skus: Vec<usize> = t.users[i]
                .states
                .iter()
                .filter(|s| s.group.is_none())
                .map(|s| s.sku)
                .collect();
            Change::RemoveLicence {
                user: id,
                sku: one(rng, &skus)?,
            }
        }
        10 => {
            let g = match rng.random_bool(0.5) {
                true => one(rng, &licence_groups)?,
                false => rng.random_range(0..t.groups.len()),
            };
            Change::JoinGroup {
                user: user(rng, &|u| !u.member_of.contains(&g))?.1,
                group: t.groups[g].id.clone(),
            }
        }
        11 => {
            let (i, id) = user(rng, &|u| !u.member_of.is_empty())?;
            let g = one(rng, &t.users[i].member_of)?;
            Change::LeaveGroup {
                user: id,
                group: t.groups[g].id.clone(),
            }
        }
        12 => {
            let child = rng.random_range(0..t.groups.len());
            let parent = rng.random_range(0..t.groups.len());
            let nested = t.groups[parent]
                .other_members
                .contains(&MemberRef::Group(child));
            (child != parent && !nested && !t.nests(child, parent)).then_some(())?;
            Change::NestGroup {
                group: t.groups[child].id.clone(),
                parent: t.groups[parent].id.clone(),
            }
        }
        13 => {
            let parent = find(rng, &t.groups, |g| {
                g.other_members
                    .iter()
                    .any(|m| matches!(m, MemberRef::Group(_)))
            })?;
            let children: Vec<usize> = t.groups[parent]
                .other_members
                .iter()
                .filter_map(|m| match m {
                    MemberRef::Group(c) => Some(*c),
                    _ => None,
                })
                .collect();
            Change::UnnestGroup {
                group: t.groups[one(rng, &children)?].id.clone(),
                parent: t.groups[parent].id.clone(),
            }
        }
        14 => {
            let licences: Vec<usize> = match rng.random_bool(0.6) {
                true => vec![rng.random_range(0..t.skus.len())],
                false => vec![],
            };
            let display_name = match licences.first() {
                Some(s) => format!(
                    "License - {} {:04x}",
                    t.skus[*s].part_number,
                    rng.random::<u16>()
                ),
                None => format!("Project {:04x}", rng.random::<u16>()),
            };
            Change::NewGroup {
                id: guid(rng),
                display_name,
                licences,
            }
        }
        15 => {
            (t.groups.len() > group::FIRST_TEAM).then_some(())?;
            let g = rng.random_range(group::FIRST_TEAM..t.groups.len());
            Change::DeleteGroup {
                group: t.groups[g].id.clone(),
            }
        }
        16 => {
            let sku = rng.random_range(0..t.skus.len());
            let step = rng.random_range(1..=10);
            let units = t.skus[sku].enabled;
            let enabled = match rng.random_bool(0.5) {
                true => units + step,
                false => units.checked_sub(step)?,
            };
            Change::SkuUnits { sku, enabled }
        }
        17 => Change::DeviceAdded {
            seed: rng.random(),
            owner: match rng.random_bool(0.8) {
                true => Some(user(rng, &|_| true)?.1),
                false => None,
            },
        },
        _ => Change::DeviceRemoved {
            device: one(rng, &t.devices)?.id,
        },
    })
}

/// `upn` with a rename tag in front (replacing an earlier tag), so names stay short.
fn renamed(upn: &str, tag: u32) -> String {
    let bare = match upn.split_once('.') {
        Some((head, rest)) if head.starts_with("renamed-") => rest,
        _ => upn,
    };
    format!("renamed-{tag:06x}.{bare}")
}

impl Tenant {
    /// The tenant after `change`. Panics if the change does not fit the tenant (see
    /// [`Tenant::try_apply`]).
    pub fn apply(&self, change: &Change) -> Tenant {
        let mut t = self.clone();
        if let Err(e) = t.try_apply(change) {
            panic!("{change:?} does not fit the tenant: {e:#}");
        }
        t
    }

    /// Like [`Tenant::apply_random`], drawing only day-to-day changes of people
    /// ([`Change::is_churn`]): what a scheduled collector sees between two runs, without
    /// purchases or licence groups being restructured.
    pub fn apply_churn(&self, seed: u64, count: usize) -> Tenant {
        let mut rng = stream(seed ^ self.fingerprint(), 201);
        let mut t = self.clone();
        for _ in 0..count {
            loop {
                let change = Change::random(&mut rng, &t);
                if change.is_churn() && t.try_apply(&change).is_ok() {
                    break;
                }
            }
        }
        t
    }

    /// The tenant after `count` changes drawn with [`Change::random`] from `seed` and the
    /// tenant itself, so the same seed gives the same changes for the same tenant and other
    /// changes for a changed one. A drawn change that does not fit after all (an object ID
    /// drawn twice) is drawn again.
    pub fn apply_random(&self, seed: u64, count: usize) -> Tenant {
        let mut rng = stream(seed ^ self.fingerprint(), 200);
        let mut t = self.clone();
        for _ in 0..count {
            while t.try_apply(&Change::random(&mut rng, &t)).is_err() {}
        }
        t
    }

    /// A hash of the tenant's shape (sizes and last IDs), stable across runs.
    fn fingerprint(&self) -> u64 {
        let sizes = [
            self.users.len(),
            self.deleted_users.len(),
            self.groups.len(),
            self.devices.len(),
        ];
        let last = [
            self.users.last().map(|u| u.id.as_str()),
            self.deleted_users.last().map(|u| u.id.as_str()),
            self.groups.last().map(|g| g.id.as_str()),
            self.devices.last().map(|d| d.id.as_str()),
        ];
        let text = format!("{sizes:?}{last:?}");
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }

    /// Applies `change` in place. It fails, leaving the tenant as it was, when the change
    /// names an object the tenant does not have, would change nothing (disabling a disabled
    /// account, adding a licence already assigned directly, …) or would break an invariant (a
    /// duplicate ID or principal name, a nesting cycle, deleting a fixed group).
    pub fn try_apply(&mut self, change: &Change) -> anyhow::Result<()> {
        match change {
            Change::Joiner { seed, group } => self.join(*seed, group.as_deref()),
            // A soft-deleted user keeps its group memberships and device ownerships until it
            // is purged (and gets them back with a restore): Graph's delta queries report none
            // of them gone before the purge.
            Change::Leaver { user } => {
                let i = self.user_index(user)?;
                let user = self.users.remove(i);
                let deleted = DeletedUser::from_user(&user, self.now);
                self.deleted_users.push(deleted);
                Ok(())
            }
            Change::Purge { user } => {
                let i = self.deleted_index(user)?;
                let purged = self.deleted_users.remove(i);
                for device in &mut self.devices {
                    device.owners.retain(|o| *o != purged.id);
                }
                Ok(())
            }
            Change::Restore { user } => {
                let i = self.deleted_index(user)?;
                let mut restored = self.deleted_users[i].user.clone();
                ensure!(
                    self.user_by_upn(&restored.upn).is_none(),
                    "another user has the principal name {}",
                    restored.upn
                );
                self.deleted_users.remove(i);
                sync_licence_groups(&mut restored);
                self.users.push(restored);
                Ok(())
            }
            Change::RenameUpn { user, upn } => {
                let i = self.user_index(user)?;
                ensure!(
                    self.user_by_upn(upn).is_none(),
                    "a user already has the principal name {upn}"
                );
                self.users[i].upn = upn.clone();
                Ok(())
            }
            Change::RenameDisplayName { user, display_name } => {
                let i = self.user_index(user)?;
                ensure!(
                    self.users[i].display_name != *display_name,
                    "the name is unchanged"
                );
                self.users[i].display_name = display_name.clone();
                Ok(())
            }
            Change::Disable { user } | Change::Enable { user } => {
                let enable = matches!(change, Change::Enable { .. });
                let i = self.user_index(user)?;
                ensure!(self.users[i].enabled != enable, "nothing to change");
                self.users[i].enabled = enable;
                Ok(())
            }
            Change::AddLicence { user, sku } => {
                let i = self.user_index(user)?;
                ensure!(*sku < self.skus.len(), "no SKU {sku}");
                let u = &mut self.users[i];
                ensure!(
                    !u.states.iter().any(|s| s.sku == *sku && s.group.is_none()),
                    "the SKU is already assigned directly"
                );
                u.states.push(direct(*sku));
                Ok(())
            }
            Change::RemoveLicence { user, sku } => {
                let i = self.user_index(user)?;
                let u = &mut self.users[i];
                let at = u
                    .states
                    .iter()
                    .position(|s| s.sku == *sku && s.group.is_none())
                    .context("no direct assignment of the SKU")?;
                u.states.remove(at);
                Ok(())
            }
            Change::JoinGroup { user, group } => {
                let (i, g) = (self.user_index(user)?, self.group_index(group)?);
                ensure!(
                    !self.users[i].member_of.contains(&g),
                    "already a direct member"
                );
                let group = self.groups[g].clone();
                add_member(&mut self.users[i], g, &group);
                Ok(())
            }
            Change::LeaveGroup { user, group } => {
                let (i, g) = (self.user_index(user)?, self.group_index(group)?);
                let u = &mut self.users[i];
                ensure!(u.member_of.contains(&g), "not a direct member");
                u.member_of.retain(|x| *x != g);
                u.states.retain(|s| s.group != Some(g));
                Ok(())
            }
            Change::NestGroup { group, parent } => {
                let (c, p) = (self.group_index(group)?, self.group_index(parent)?);
                let member = MemberRef::Group(c);
                ensure!(c != p, "a group cannot contain itself");
                ensure!(
                    !self.groups[p].other_members.contains(&member),
                    "already nested"
                );
                ensure!(!self.nests(c, p), "the nesting would make a cycle");
                self.groups[p].other_members.push(member);
                Ok(())
            }
            Change::UnnestGroup { group, parent } => {
                let (c, p) = (self.group_index(group)?, self.group_index(parent)?);
                let members = &mut self.groups[p].other_members;
                let at = members
                    .iter()
                    .position(|m| *m == MemberRef::Group(c))
                    .context("not nested")?;
                members.remove(at);
                Ok(())
            }
            Change::NewGroup {
                id,
                display_name,
                licences,
            } => {
                ensure!(!self.has_object(id), "an object already has the ID {id}");
                ensure!(
                    licences.iter().all(|s| *s < self.skus.len()),
                    "unknown SKU in {licences:?}"
                );
                self.groups.push(Group {
                    id: id.clone(),
                    display_name: display_name.clone(),
                    group_types: vec![],
                    security_enabled: true,
                    mail_enabled: false,
                    licenses: licences.iter().map(|s| (*s, vec![])).collect(),
                    other_members: vec![],
                });
                Ok(())
            }
            Change::DeleteGroup { group } => {
                let g = self.group_index(group)?;
                ensure!(g >= group::FIRST_TEAM, "the fixed groups cannot be deleted");
                self.delete_group(g);
                Ok(())
            }
            Change::SkuUnits { sku, enabled } => {
                ensure!(*sku < self.skus.len(), "no SKU {sku}");
                ensure!(
                    self.skus[*sku].enabled != *enabled,
                    "the units are unchanged"
                );
                self.set_enabled_units(*sku, *enabled);
                Ok(())
            }
            Change::DeviceAdded { seed, owner } => {
                let owner = match owner {
                    Some(id) => Some(self.users[self.user_index(id)?].id.clone()),
                    None => None,
                };
                let mut rng = ChaCha8Rng::seed_from_u64(*seed);
                let mut device = draw_device(self.devices.len(), &[], self.now, &mut rng);
                ensure!(
                    !self.has_object(&device.id),
                    "an object already has the ID {}",
                    device.id
                );
                device.owners = owner.into_iter().collect();
                self.devices.push(device);
                Ok(())
            }
            Change::DeviceRemoved { device } => {
                let d = self
                    .devices
                    .iter()
                    .position(|x| x.id == *device)
                    .with_context(|| format!("no device {device}"))?;
                self.devices.remove(d);
                for g in &mut self.groups {
                    g.other_members.retain(|m| *m != MemberRef::Device(d));
                    for m in &mut g.other_members {
                        if let MemberRef::Device(x) = m
                            && *x > d
                        {
                            *x -= 1;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Adds a joiner drawn from `seed`, optionally a member of group `group`.
    fn join(&mut self, seed: u64, group: Option<&str>) -> anyhow::Result<()> {
        let g = group.map(|id| self.group_index(id)).transpose()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let e3_plans_off = self.e3_plans_off();
        let template = UserTemplate {
            domain: &self.domain,
            e3_plans_off: &e3_plans_off,
        };
        let created = self.now - rng.random_range(DAY..15 * DAY);
        let mut user = template.draw(&mut rng, &format!("j{seed:x}"), created);
        user.sign_in = crate::activity::for_joiner(self.now, &mut rng);
        sync_licence_groups(&mut user);
        if let Some(g) = g {
            let group = self.groups[g].clone();
            add_member(&mut user, g, &group);
        }
        ensure!(
            !self.has_object(&user.id),
            "an object already has the ID {}",
            user.id
        );
        ensure!(
            self.user_by_upn(&user.upn).is_none(),
            "a user already has the principal name {}",
            user.upn
        );
        self.users.push(user);
        Ok(())
    }

    /// Removes group `g`: memberships, the licence states it gave (live and soft-deleted users)
    /// and nestings go, and later group indices shift down by one.
    fn delete_group(&mut self, g: usize) {
        self.groups.remove(g);
        let shift = |x: usize| if x > g { x - 1 } else { x };
        let forget = |u: &mut User| {
            u.member_of.retain(|x| *x != g);
            u.states.retain(|s| s.group != Some(g));
            for x in &mut u.member_of {
                *x = shift(*x);
            }
            for s in &mut u.states {
                s.group = s.group.map(shift);
            }
        };
        self.users.iter_mut().for_each(forget);
        for d in &mut self.deleted_users {
            forget(&mut d.user);
            d.licenses = DeletedUser::from_user(&d.user, 0).licenses;
        }
        for group in &mut self.groups {
            group.other_members.retain(|m| *m != MemberRef::Group(g));
            for m in &mut group.other_members {
                if let MemberRef::Group(x) = m {
                    *x = shift(*x);
                }
            }
        }
    }

    /// Sets SKU `sku`'s enabled units: an increase goes to its first `Enabled` subscription (a
    /// new one if it has none), a decrease comes off its `Enabled` subscriptions in order.
    fn set_enabled_units(&mut self, sku: usize, enabled: u64) {
        let before = self.skus[sku].enabled;
        self.skus[sku].enabled = enabled;
        let enabled_subs = |t: &mut Tenant| -> Vec<usize> {
            (0..t.subscriptions.len())
                .filter(|i| {
                    t.subscriptions[*i].sku == sku && t.subscriptions[*i].status == "Enabled"
                })
                .collect()
        };
        if enabled > before {
            let more = enabled - before;
            match enabled_subs(self).first() {
                Some(&i) => self.subscriptions[i].total_licenses += more,
                None => {
                    let salt = self.subscriptions.len() as u64;
                    let key = format!("{}{}{enabled}", self.tenant_id, self.skus[sku].sku_id);
                    self.subscriptions.push(Subscription {
                        id: crate::catalog::derived_guid(&key, salt),
                        commerce_id: crate::catalog::derived_guid(&key, salt + 1),
                        sku,
                        status: "Enabled",
                        total_licenses: more,
                        is_trial: false,
                        created: clock::format(self.now),
                        next_lifecycle: Some(clock::format(self.now + 365 * DAY + 6 * 3600)),
                        owner_id: self.tenant_id.clone(),
                        owner_tenant_id: self.tenant_id.clone(),
                        owner_type: "Company",
                    });
                }
            }
        } else {
            let mut less = before - enabled;
            for i in enabled_subs(self) {
                let take = less.min(self.subscriptions[i].total_licenses);
                self.subscriptions[i].total_licenses -= take;
                less -= take;
            }
        }
    }

    /// Whether group `inner` contains group `outer`, directly or through nested groups (so
    /// nesting `inner` in `outer` would make a cycle).
    fn nests(&self, inner: usize, outer: usize) -> bool {
        let mut seen = vec![false; self.groups.len()];
        let mut todo = vec![inner];
        while let Some(g) = todo.pop() {
            for m in &self.groups[g].other_members {
                if let MemberRef::Group(n) = *m {
                    if n == outer {
                        return true;
                    }
                    if !std::mem::replace(&mut seen[n], true) {
                        todo.push(n);
                    }
                }
            }
        }
        false
    }

    fn user_index(&self, id: &str) -> anyhow::Result<usize> {
        self.users
            .iter()
            .position(|u| u.id == id)
            .with_context(|| format!("no user {id}"))
    }

    fn deleted_index(&self, id: &str) -> anyhow::Result<usize> {
        self.deleted_users
            .iter()
            .position(|u| u.id == id)
            .with_context(|| format!("no soft-deleted user {id}"))
    }

    fn group_index(&self, id: &str) -> anyhow::Result<usize> {
        self.groups
            .iter()
            .position(|g| g.id == id)
            .with_context(|| format!("no group {id}"))
    }

    /// The live user with this principal name, if any.
    fn user_by_upn(&self, upn: &str) -> Option<usize> {
        self.users.iter().position(|u| u.upn == upn)
    }

    /// Whether any user (live or soft-deleted), group or device has this ID.
    fn has_object(&self, id: &str) -> bool {
        self.users.iter().any(|u| u.id == id)
            || self.deleted_users.iter().any(|u| u.id == id)
            || self.groups.iter().any(|g| g.id == id)
            || self.devices.iter().any(|d| d.id == id)
    }

    /// What is wrong with the tenant's invariants, if anything (empty when consistent): unique
    /// IDs and principal names; each user's `member_of` sorted, without duplicates, naming
    /// existing groups and every group a licence state names, with group states matching the
    /// licences their group assigns; user members never in [`Group::other_members`]; member
    /// indices in range; device owners live users; soft-deleted users' licences those their
    /// retained account holds; and each SKU's prepaid units equal to its subscriptions' totals
    /// per status.
    pub fn consistency_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let all_ids = self
            .users
            .iter()
            .map(|u| &u.id)
            .chain(self.deleted_users.iter().map(|d| &d.id))
            .chain(self.groups.iter().map(|g| &g.id))
            .chain(self.devices.iter().map(|d| &d.id));
        for id in all_ids {
            if !ids.insert(id) {
                errors.push(format!("duplicate ID {id}"));
            }
        }
        let mut upns = std::collections::HashSet::new();
        for u in &self.users {
            if !upns.insert(&u.upn) {
                errors.push(format!("duplicate principal name {}", u.upn));
            }
        }
        let check_user = |u: &User, errors: &mut Vec<String>| {
            if !u.member_of.windows(2).all(|w| w[0] < w[1]) {
                errors.push(format!("{}: member_of not sorted or repeated", u.id));
            }
            if u.member_of.iter().any(|g| *g >= self.groups.len()) {
                errors.push(format!("{}: member of a missing group", u.id));
            }
            for s in &u.states {
                if s.sku >= self.skus.len() {
                    errors.push(format!("{}: missing SKU {}", u.id, s.sku));
                }
                let Some(g) = s.group else { continue };
                if !u.member_of.contains(&g) {
                    errors.push(format!(
                        "{}: licence from group {g} without membership",
                        u.id
                    ));
                }
                let assigns = self
                    .groups
                    .get(g)
                    .is_some_and(|group| group.licenses.iter().any(|(sku, _)| *sku == s.sku));
                if !assigns {
                    errors.push(format!("{}: group {g} does not assign SKU {}", u.id, s.sku));
                }
            }
        };
        for u in &self.users {
            check_user(u, &mut errors);
        }
        for d in &self.deleted_users {
            check_user(&d.user, &mut errors);
            if d.user.id != d.id {
                errors.push(format!("{}: retained account has another ID", d.id));
            }
            let mut licences = d.licenses.clone();
            licences.sort_unstable();
            let held: Vec<usize> = held_skus(&d.user).into_iter().collect();
            if licences != held {
                errors.push(format!(
                    "{}: licences differ from the retained account",
                    d.id
                ));
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            for m in &g.other_members {
                let in_range = match *m {
                    MemberRef::User(_) => false,
                    MemberRef::Group(x) => x < self.groups.len() && x != i,
                    MemberRef::Device(x) => x < self.devices.len(),
                    MemberRef::ServicePrincipal(x) => x < self.service_principals.len(),
                    MemberRef::OrgContact(x) => x < self.contacts.len(),
                };
                if !in_range {
                    errors.push(format!("group {}: bad member {m:?}", g.id));
                }
            }
        }
        // A soft-deleted user stays a registered owner until it is purged.
        let known: std::collections::HashSet<&String> = self
            .users
            .iter()
            .map(|u| &u.id)
            .chain(self.deleted_users.iter().map(|d| &d.id))
            .collect();
        for d in &self.devices {
            if d.owners.iter().any(|o| !known.contains(o)) {
                errors.push(format!(
                    "device {}: owner is neither a user nor a soft-deleted one",
                    d.id
                ));
            }
        }
        for (i, sku) in self.skus.iter().enumerate() {
            let total = |status: &str| -> u64 {
                self.subscriptions
                    .iter()
                    .filter(|s| s.sku == i && s.status == status)
                    .map(|s| s.total_licenses)
                    .sum()
            };
            let units = [
                ("Enabled", sku.enabled),
                ("Warning", sku.warning),
                ("Suspended", sku.suspended),
                ("LockedOut", sku.locked_out),
            ];
            for (status, units) in units {
                if total(status) != units {
                    errors.push(format!("{}: {status} units differ", sku.part_number));
                }
            }
        }
        errors
    }
}

/// Makes `user` a direct member of group `g` (which is `group`) with the licences it assigns.
fn add_member(user: &mut User, g: usize, group: &Group) {
    if !user.member_of.contains(&g) {
        user.member_of.push(g);
        user.member_of.sort_unstable();
    }
    for (sku, plans) in &group.licenses {
        if !user
            .states
            .iter()
            .any(|s| s.group == Some(g) && s.sku == *sku)
        {
            user.states.push(AssignmentState {
                sku: *sku,
                group: Some(g),
                state: "Active",
                error: "None",
                disabled_plans: plans.clone(),
            });
        }
    }
}
