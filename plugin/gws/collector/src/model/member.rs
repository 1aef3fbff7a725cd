//! Group members (`admin#directory#member`, `members.list`) and what each one is.

use super::{list_or_none, paged};
use crate::types::{MemberKind, Membership};
use serde::Deserialize;
use std::collections::HashSet;

/// A page of `members.list`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct MembersPage {
    /// The members (Google leaves the field out of an empty group's answer).
    #[serde(deserialize_with = "list_or_none")]
    pub members: Vec<Member>,
    /// The next page's token.
    pub next_page_token: Option<String>,
}
paged!(MembersPage);

/// One direct member of a group.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct Member {
    /// The member's unique ID (the customer's ID for a `CUSTOMER` member); an outside address
    /// without a Google account may have none.
    pub id: Option<String>,
    /// The member's address (none for a `CUSTOMER` member).
    pub email: Option<String>,
    /// `OWNER`, `MANAGER` or `MEMBER`.
    pub role: Option<String>,
    /// `USER`, `GROUP`, `CUSTOMER` or `EXTERNAL` (which Google documents as not used).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, `ARCHIVED`, `UNKNOWN`, …
    pub status: Option<String>,
}

/// What the members of a directory are classified against: its users and groups.
#[derive(Debug, Default)]
pub struct MemberClass {
    /// The IDs of the directory's users.
    pub users: HashSet<String>,
    /// The IDs of the directory's groups.
    pub groups: HashSet<String>,
}

impl MemberClass {
    /// The membership of `member` in `group_id`, if the member can be named. A `USER` that is
    /// a user of this directory is an `account`, a `GROUP` of this directory a `group`; a `USER`
    /// or `GROUP` from outside (an address of another domain, which Google lists as `USER`) and
    /// an `EXTERNAL` member are `external`; the `CUSTOMER` member (everyone in the customer) is
    /// `other`. An outside member without an ID is named by its address.
    pub fn membership(&self, group_id: &str, member: &Member) -> Option<Membership> {
        let id = member
            .id
            .as_deref()
            .filter(|i| !i.is_empty())
            .or(member.email.as_deref().filter(|e| !e.is_empty()))?;
        let kind = match member.kind.as_deref().unwrap_or("") {
            "USER" if self.users.contains(id) => MemberKind::Account,
            "GROUP" if self.groups.contains(id) => MemberKind::Group,
            "USER" | "GROUP" | "EXTERNAL" => MemberKind::External,
            _ => MemberKind::Other,
        };
        Some(Membership {
            group_id: group_id.to_string(),
            member_id: id.to_string(),
            member_kind: kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: Option<&str>, email: Option<&str>, kind: &str) -> Member {
        Member {
            id: id.map(str::to_string),
            email: email.map(str::to_string),
            kind: Some(kind.to_string()),
            ..Member::default()
        }
    }

    #[test]
    fn members_are_told_apart_by_type_and_by_whether_the_directory_has_them() {
        let class = MemberClass {
            users: HashSet::from(["u1".to_string()]),
            groups: HashSet::from(["g2".to_string()]),
        };
        let kind = |m: Member| {
            class
                .membership("g1", &m)
                .map(|m| (m.member_id, m.member_kind))
        };
        assert_eq!(
            kind(member(Some("u1"), Some("a@x"), "USER")),
            Some(("u1".into(), MemberKind::Account))
        );
        assert_eq!(
            kind(member(Some("g2"), Some("g@x"), "GROUP")),
            Some(("g2".into(), MemberKind::Group))
        );
        assert_eq!(
            kind(member(Some("u9"), Some("o@gmail.com"), "USER")),
            Some(("u9".into(), MemberKind::External))
        );
        assert_eq!(
            kind(member(None, Some("o@other.example"), "USER")),
            Some(("o@other.example".into(), MemberKind::External))
        );
        assert_eq!(
            kind(member(Some("g9"), Some("g@other.example"), "GROUP")),
            Some(("g9".into(), MemberKind::External))
        );
        assert_eq!(
            kind(member(Some("e1"), None, "EXTERNAL")),
            Some(("e1".into(), MemberKind::External))
        );
        assert_eq!(
            kind(member(Some("C03az79cb"), None, "CUSTOMER")),
            Some(("C03az79cb".into(), MemberKind::Other))
        );
        assert_eq!(kind(member(None, None, "USER")), None);
    }
}
