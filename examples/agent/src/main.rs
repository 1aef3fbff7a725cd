//! An ITAM agent that embeds the collector runtime: it loads the Microsoft 365 plugin it ships
//! with, collects one tenant into its own in-memory inventory, and prints what it got.
//!
//! ```text
//! AGENT_CLIENT_ID=… AGENT_CLIENT_SECRET=… itam-agent TENANT_ID [LOGIN_URL GRAPH_URL]
//! ```
//!
//! It uses nothing but `itam-runtime`: no configuration file, no database, no reports. The
//! plugin runs in the runtime's sandbox; the secret stays in this process and never reaches it.

use anyhow::{Context, Result, bail};
use itam_runtime::contract::types::Batch;
use itam_runtime::credentials::{ClientAuth, Credential, Secret};
use itam_runtime::{BatchSink, CollectOptions, Runtime, Source};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The agent's inventory: entities counted by kind (a real agent would forward them).
#[derive(Clone, Default)]
struct Inventory {
    counts: Arc<Mutex<BTreeMap<&'static str, u64>>>,
}

impl BatchSink for Inventory {
    fn accept(&mut self, batch: Batch) -> Result<()> {
        let (kind, n) = match &batch {
            Batch::Accounts(a) => {
                let deleted = a.iter().filter(|a| a.deleted.is_some()).count() as u64;
                self.add("deleted-accounts", deleted);
                ("accounts", a.len() as u64 - deleted)
            }
            Batch::Groups(g) => ("groups", g.len() as u64),
            Batch::Memberships(m) => ("memberships", m.len() as u64),
            Batch::Products(p) => ("products", p.len() as u64),
            Batch::Assignments(a) => ("assignments", a.len() as u64),
            Batch::GroupLicenses(l) => ("group-licences", l.len() as u64),
            Batch::Subscriptions(s) => ("subscriptions", s.len() as u64),
            Batch::Devices(d) => ("devices", d.len() as u64),
            Batch::SignIns(s) => ("sign-ins", s.len() as u64),
        };
        self.add(kind, n);
        Ok(())
    }
}

impl Inventory {
    fn add(&self, kind: &'static str, n: u64) {
        *self.counts.lock().unwrap().entry(kind).or_default() += n;
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(tenant_id) = args.first() else {
        bail!("usage: itam-agent TENANT_ID [LOGIN_URL GRAPH_URL]");
    };
    let mut settings = vec![("tenant_id".to_string(), tenant_id.clone())];
    if let [_, login, graph] = args.as_slice() {
        settings.push(("login_url".into(), login.clone()));
        settings.push(("graph_url".into(), graph.clone()));
    }
    let credential = Credential {
        client_id: std::env::var("AGENT_CLIENT_ID").context("set AGENT_CLIENT_ID")?,
        auth: ClientAuth::Secret(Secret::new(
            std::env::var("AGENT_CLIENT_SECRET").context("set AGENT_CLIENT_SECRET")?,
        )),
        origin: "the agent's environment".into(),
    };

    let runtime = Runtime::builder().cache_dir(None).build()?;
    // The agent ships this plugin itself, so it may choose the hosts its credential goes to.
    let plugin = runtime.load_trusted(itam_m365_component::WASM, &Default::default())?;
    let mut source = Source::new("tenant", settings);
    source.credential = Some(credential);
    let prepared = runtime.prepare(&plugin, source).await?;
    println!("allowed hosts: {}", prepared.allow_list().join(" "));

    let inventory = Inventory::default();
    let collected = prepared
        .collect(Box::new(inventory.clone()), CollectOptions::default())
        .await?;
    let summary = match collected.result {
        Ok(outcome) => outcome.summary,
        Err(e) => bail!("{}", itam_runtime::describe_failure(&e)),
    };
    for (kind, n) in inventory.counts.lock().unwrap().iter() {
        println!("{kind} {n}");
    }
    for warning in &summary.warnings {
        println!("warning: {}", itam_runtime::text::text(warning));
    }
    Ok(())
}
