//! The fleet's leases on both engines: each due source goes to one host, expired leases are
//! taken over, and a host that lost a lease can neither renew it nor publish.

use super::engines::on_each_shared;
use crate::{ScheduleState, Store, values};
use chrono::{Duration as Days, Utc};
use std::collections::BTreeSet;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(30);

fn due(store: &Store, source: &str, minutes_ago: i64) {
    store
        .schedule_source(source, |_| ScheduleState {
            next_run_at: Utc::now() - Days::minutes(minutes_ago),
            consecutive_failures: 0,
        })
        .unwrap();
}

fn names(leases: &[crate::Lease]) -> Vec<&str> {
    leases.iter().map(|l| l.source.as_str()).collect()
}

fn expire_leases(store: &Store) {
    store
        .read(|q| {
            q.execute(
                "UPDATE schedule SET lease_expires_at = '2000-01-01T00:00:00Z'",
                &[],
            )
        })
        .unwrap();
}

#[test]
fn each_due_source_goes_to_one_host_the_longest_overdue_first() {
    on_each_shared(|open| {
        let (a, b) = (open(), open());
        a.join_fleet("host-a", "test").unwrap();
        b.join_fleet("host-b", "test").unwrap();
        due(&a, "s1", 3);
        due(&a, "s2", 2);
        due(&a, "s3", 1);
        a.schedule_source("later", |_| ScheduleState {
            next_run_at: Utc::now() + Days::hours(1),
            consecutive_failures: 0,
        })
        .unwrap();
        let all: Vec<String> = ["s1", "s2", "s3", "later", "unknown"]
            .map(String::from)
            .to_vec();
        let first = a.claim_due("host-a", &all, 2, LEASE).unwrap();
        assert_eq!(names(&first), ["s1", "s2"]);
        let second = b.claim_due("host-b", &all, 5, LEASE).unwrap();
        assert_eq!(names(&second), ["s3"]);
        assert!(a.claim_due("host-a", &all, 5, LEASE).unwrap().is_empty());
        // A source not offered is not taken, however due.
        due(&a, "s4", 5);
        assert!(b.claim_due("host-b", &all, 5, LEASE).unwrap().is_empty());

        // Released with its next time, it is free and no longer due.
        let next = ScheduleState {
            next_run_at: Utc::now() + Days::minutes(10),
            consecutive_failures: 0,
        };
        assert!(
            !b.release("host-b", "s1", Some(next)).unwrap(),
            "not b's lease"
        );
        assert!(a.release("host-a", "s1", Some(next)).unwrap());
        assert!(b.claim_due("host-b", &all, 5, LEASE).unwrap().is_empty());
        let known: Vec<String> = ["s1", "s2", "s3", "s4"].map(String::from).to_vec();
        let status = a.fleet_status(LEASE, Duration::ZERO, &known).unwrap();
        let held: Vec<(&str, &str)> = status
            .leases
            .iter()
            .map(|l| (l.source.as_str(), l.holder.as_str()))
            .collect();
        assert_eq!(held, [("s2", "host-a"), ("s3", "host-b")]);
        assert_eq!(status.hosts.len(), 2);
        assert!(status.hosts.iter().all(|h| h.alive));
        // s4 is due and held by none.
        assert_eq!(
            status
                .overdue
                .iter()
                .map(|o| o.source.as_str())
                .collect::<Vec<_>>(),
            ["s4"]
        );
    });
}

#[test]
fn a_run_asked_for_takes_the_lease_unless_another_host_holds_it() {
    on_each_shared(|open| {
        let (a, b) = (open(), open());
        let lease = a.claim("host-a", "manual", LEASE).unwrap().unwrap();
        assert_eq!(
            lease.state.next_run_at.to_rfc3339(),
            "9999-12-31T00:00:00+00:00"
        );
        assert_eq!(b.claim("host-b", "manual", LEASE).unwrap(), None);
        assert!(a.release("host-a", "manual", None).unwrap());
        assert!(b.claim("host-b", "manual", LEASE).unwrap().is_some());
    });
}

#[test]
fn an_expired_lease_is_taken_over_and_the_old_host_can_neither_renew_nor_publish() {
    on_each_shared(|open| {
        let (a, b) = (open(), open());
        a.join_fleet("host-a", "test").unwrap();
        b.join_fleet("host-b", "test").unwrap();
        due(&a, "s", 1);
        let all = vec!["s".to_string()];
        assert_eq!(
            names(&a.claim_due("host-a", &all, 1, LEASE).unwrap()),
            ["s"]
        );
        assert_eq!(a.heartbeat("host-a", LEASE).unwrap(), ["s"]);
        let run = a
            .as_member("host-a")
            .begin_run("s", "test", "0", "sha")
            .unwrap();

        // host-a stalls past its lease; host-b takes the source over.
        expire_leases(&a);
        let taken = b.claim_due("host-b", &all, 1, LEASE).unwrap();
        assert_eq!(taken[0].taken_from.as_deref(), Some("host-a"));
        let status: String = b
            .read(|q| {
                q.value(
                    "SELECT status FROM runs WHERE id = ?1",
                    &values![run.run_id()],
                )
            })
            .unwrap();
        assert_eq!(status, "interrupted");
        assert!(a.heartbeat("host-a", LEASE).unwrap().is_empty());
        assert!(!a.release("host-a", "s", None).unwrap());
        let fenced = a
            .as_member("host-a")
            .read(|q| a.as_member("host-a").check_lease(q, "s"))
            .unwrap_err();
        assert!(
            format!("{fenced:#}").contains("service host-b took the source over"),
            "{fenced:#}"
        );
        b.as_member("host-b")
            .read(|q| b.as_member("host-b").check_lease(q, "s"))
            .unwrap();
    });
}

#[test]
fn hosts_claiming_at_once_never_share_a_source() {
    on_each_shared(|open| {
        let setup = open();
        let all: Vec<String> = (0..120).map(|i| format!("t{i:03}")).collect();
        for name in &all {
            due(&setup, name, 1);
        }
        let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
            let hosts: Vec<_> = (0..3)
                .map(|h| {
                    let store = open();
                    let all = &all;
                    scope.spawn(move || {
                        let id = format!("host-{h}");
                        let mut mine = Vec::new();
                        loop {
                            let got = store.claim_due(&id, all, 7, LEASE).unwrap();
                            if got.is_empty() {
                                return mine;
                            }
                            mine.extend(got.into_iter().map(|l| l.source));
                        }
                    })
                })
                .collect();
            hosts.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let total: usize = claimed.iter().map(Vec::len).sum();
        let distinct: BTreeSet<&String> = claimed.iter().flatten().collect();
        assert_eq!(total, all.len(), "a source was leased twice: {claimed:?}");
        assert_eq!(distinct.len(), all.len());
    });
}

#[test]
fn a_stopped_host_gives_its_leases_up() {
    on_each_shared(|open| {
        let (a, b) = (open(), open());
        a.join_fleet("host-a", "test").unwrap();
        due(&a, "s", 1);
        let all = vec!["s".to_string()];
        assert_eq!(a.claim_due("host-a", &all, 1, LEASE).unwrap().len(), 1);
        a.leave_fleet("host-a").unwrap();
        let taken = b.claim_due("host-b", &all, 1, LEASE).unwrap();
        assert_eq!(taken[0].taken_from, None);
        let status = b.fleet_status(LEASE, Duration::ZERO, &all).unwrap();
        assert!(!status.hosts[0].alive);
        assert!(status.hosts[0].stopped_at.is_some());
    });
}

#[test]
fn a_lease_of_a_dead_process_on_this_machine_is_taken_at_once() {
    on_each_shared(|open| {
        let (a, b) = (open(), open());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead_pid = child.id();
        child.wait().unwrap();
        let dead = format!("{}-{dead_pid}-0000", crate::hostname());
        due(&a, "s", 1);
        let all = vec!["s".to_string()];
        assert_eq!(a.claim_due(&dead, &all, 1, LEASE).unwrap().len(), 1);
        // A live process's lease (this one's) is not touched.
        let alive = crate::new_host_id();
        due(&a, "t", 1);
        let t = vec!["t".to_string()];
        assert_eq!(a.claim_due(&alive, &t, 1, LEASE).unwrap().len(), 1);

        let taken = b.claim_due("host-b", &all, 1, LEASE).unwrap();
        assert_eq!(taken[0].taken_from.as_deref(), Some(dead.as_str()));
        assert!(b.claim_due("host-b", &t, 1, LEASE).unwrap().is_empty());
        assert!(b.claim("host-b", "t", LEASE).unwrap().is_none());
    });
}
