//! Generated groups: an all-staff group holding the whole customer (a `CUSTOMER` member) and the
//! Engineering group, which holds the Platform group (a two-level nesting chain, cycle-free by
//! construction); department groups by organisational unit; project groups; a partners group and
//! project groups with outside addresses; and two groups users made themselves.

use crate::catalog::{DEPARTMENTS, OUTSIDE};
use crate::tenant::{Group, Member, MemberRef, User};
use rand::Rng;

fn member(rng: &mut impl Rng, member: MemberRef, role: &'static str) -> Member {
    Member {
        member,
        role,
        etag: crate::ids::etag(rng),
    }
}

fn group(
    rng: &mut impl Rng,
    local: &str,
    name: &str,
    description: &str,
    domain: &str,
    admin_created: bool,
) -> Group {
    Group {
        id: crate::ids::group(rng),
        email: format!("{local}@{domain}"),
        name: name.into(),
        description: description.into(),
        admin_created,
        members: Vec::new(),
        etag: crate::ids::etag(rng),
    }
}

/// Adds `users` as members: the first an owner, about one in twenty a manager.
fn add_users(rng: &mut impl Rng, g: &mut Group, users: &[usize]) {
    for (k, &u) in users.iter().enumerate() {
        let role = if k == 0 {
            "OWNER"
        } else if rng.random_bool(0.05) {
            "MANAGER"
        } else {
            "MEMBER"
        };
        let m = member(rng, MemberRef::User(u), role);
        g.members.push(m);
    }
}

/// The groups of `users` in `domain`.
pub(crate) fn generate(rng: &mut impl Rng, users: &[User], domain: &str) -> Vec<Group> {
    let mut groups = Vec::new();

    // 0: all staff = the whole customer, plus the Engineering group, owned by the admin.
    let mut all = group(
        rng,
        "all-staff",
        "All staff",
        "Everyone at Acme",
        domain,
        true,
    );
    let owner = member(rng, MemberRef::User(0), "OWNER");
    all.members.push(owner);
    let everyone = member(rng, MemberRef::Customer, "MEMBER");
    all.members.push(everyone);
    let engineering = member(rng, MemberRef::Group(1), "MEMBER");
    all.members.push(engineering);
    groups.push(all);

    // 1..: departments by organisational unit; Engineering (1) holds Platform (2).
    for (k, (local, name)) in DEPARTMENTS.iter().enumerate() {
        let unit = match *local {
            "engineering" => "/Engineering",
            "eng-platform" => "/Engineering/Platform",
            "sales" => "/Sales",
            "finance" => "/Finance",
            "people" => "/People",
            "legal" => "/Legal",
            _ => "/Support",
        };
        let mut g = group(rng, local, name, &format!("The {name} team"), domain, true);
        let members: Vec<usize> = users
            .iter()
            .enumerate()
            .filter(|(_, u)| u.org_unit_path == unit && !u.archived)
            .map(|(i, _)| i)
            .collect();
        add_users(rng, &mut g, &members);
        if k == 0 {
            let platform = member(rng, MemberRef::Group(2), "MEMBER");
            g.members.push(platform);
        }
        groups.push(g);
    }

    // Partners: a few staff and outside addresses.
    let mut partners = group(
        rng,
        "partners",
        "Partners",
        "Shared with outside partners",
        domain,
        true,
    );
    let staff: Vec<usize> = (0..3.min(users.len())).collect();
    add_users(rng, &mut partners, &staff);
    for (k, email) in OUTSIDE.iter().enumerate().take(4) {
        let id = crate::ids::numeric(rng, 21, 1);
        let role = if k == 0 { "MANAGER" } else { "MEMBER" };
        let m = member(
            rng,
            MemberRef::External {
                id,
                email: email.to_string(),
            },
            role,
        );
        partners.members.push(m);
    }
    groups.push(partners);

    // Project groups of 3 to 30 people; one in three has an outside collaborator.
    let projects = (users.len() / 40).max(3);
    for p in 0..projects {
        let local = format!("proj-{:03}", p + 1);
        let name = format!("Project {}", p + 1);
        let mut g = group(rng, &local, &name, "", domain, true);
        let size = rng.random_range(3..=30).min(users.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(size);
        while chosen.len() < size {
            let u = rng.random_range(0..users.len());
            if !chosen.contains(&u) {
                chosen.push(u);
            }
        }
        add_users(rng, &mut g, &chosen);
        if p % 3 == 0 {
            let email = OUTSIDE[4 + p / 3 % (OUTSIDE.len() - 4)];
            let id = crate::ids::numeric(rng, 21, 1);
            let m = member(
                rng,
                MemberRef::External {
                    id,
                    email: email.into(),
                },
                "MEMBER",
            );
            g.members.push(m);
        }
        groups.push(g);
    }

    // Groups users made themselves.
    for (local, name) in [("book-club", "Book club"), ("running", "Running club")] {
        let mut g = group(rng, local, name, "", domain, false);
        let size = 8.min(users.len());
        let start = rng.random_range(0..users.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(size);
        for k in 0..size {
            let u = (start + k * 7) % users.len();
            if !chosen.contains(&u) {
                chosen.push(u);
            }
        }
        add_users(rng, &mut g, &chosen);
        groups.push(g);
    }
    groups
}
