//! `itam source add|set|list|remove`: sources kept in the database, for fleets with more
//! tenants than a configuration file should hold. Every service sharing the database runs
//! them; credentials stay references (an environment variable or a file on each host).

use super::{default_format, parse_setting};
use crate::config::{Config, stored};
use crate::error::config_error;
use crate::render::format::{Format, json, table};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// What `itam source` does.
#[derive(clap::Subcommand, Debug)]
pub enum SourceCommand {
    /// Keep a new source in the database, for every service sharing it.
    Add {
        /// The source's name (letters, digits, '-' and '_').
        name: String,
        #[command(flatten)]
        spec: Spec,
    },
    /// Change a source kept in the database: what is given replaces what it had.
    Set {
        /// The source's name.
        name: String,
        #[command(flatten)]
        spec: Spec,
    },
    /// List the sources: the configuration file's and the database's.
    List {
        /// Output format (table on a terminal, else json).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Remove a source kept in the database (its snapshot and history stay).
    Remove {
        /// The source's name.
        name: String,
    },
}

/// A source's definition, from a file or from options.
#[derive(clap::Args, Debug)]
pub struct Spec {
    /// A TOML file with the source as the body of one [[source]] table of itam.toml (its
    /// paths absolute); the options below then change it.
    #[arg(long)]
    from_file: Option<PathBuf>,
    /// The plugin: a built-in one (m365, gws) or an absolute path to a .wasm component
    /// [add: m365].
    #[arg(long)]
    plugin: Option<String>,
    /// How often `itam serve` runs it (e.g. 6h); `off` runs it only on request.
    #[arg(long)]
    schedule: Option<String>,
    /// A setting of the plugin, NAME=VALUE (repeatable), e.g. tenant_id=contoso.example.
    #[arg(long = "setting", value_name = "NAME=VALUE", value_parser = parse_setting)]
    settings: Vec<(String, String)>,
    /// The application (client) ID.
    #[arg(long)]
    client_id: Option<String>,
    /// Read the client secret from this environment variable (on each host).
    #[arg(long, group = "credential")]
    secret_env: Option<String>,
    /// Read the client secret from this file (on each host): one secret file per tenant.
    #[arg(long, group = "credential")]
    secret_file: Option<PathBuf>,
    /// Sign in with this PEM file holding the certificate and its private key.
    #[arg(long, group = "credential")]
    certificate: Option<PathBuf>,
    /// gws: the service account's JSON key file.
    #[arg(long, group = "credential")]
    service_account: Option<PathBuf>,
}

/// Runs `itam source …`.
pub fn source(config_path: &Path, command: SourceCommand, out: &mut dyn Write) -> Result<i32> {
    let config = Config::load(config_path)?;
    match command {
        SourceCommand::Add { name, spec } => {
            if config.sources.iter().any(|s| s.name == name) {
                return Err(config_error(format!(
                    "the configuration file {} has a source named `{name}`; choose another name",
                    config_path.display()
                )));
            }
            let mut table = Table::new();
            table.insert("name".into(), Value::String(name.clone()));
            table.insert("plugin".into(), Value::String("m365".into()));
            let definition = spec.apply(table)?;
            stored::parse(&definition, &config.limits).map_err(config_error)?;
            let store = config.store.open()?;
            store.add_source(&name, &definition)?;
            writeln!(
                out,
                "added source `{name}` to {}; the services sharing it run it from their next heartbeat",
                store.describe()
            )?;
        }
        SourceCommand::Set { name, spec } => {
            let store = config.store.open()?;
            let current = store
                .stored_sources()?
                .into_iter()
                .find(|s| s.name == name)
                .ok_or_else(|| {
                    config_error(format!(
                        "{} has no source named `{name}`; `itam source list` shows them, `itam source add` adds one",
                        store.describe()
                    ))
                })?;
            let table: Table = toml::from_str(&current.definition)
                .context("the stored definition does not parse")?;
            let definition = spec.apply(table)?;
            let parsed = stored::parse(&definition, &config.limits).map_err(config_error)?;
            if parsed.name != name {
                return Err(config_error(format!(
                    "the definition names the source `{}`, not `{name}`; a source cannot be renamed (add the new one, remove the old)",
                    parsed.name
                )));
            }
            store.set_source(&name, &definition)?;
            writeln!(out, "changed source `{name}` in {}", store.describe())?;
        }
        SourceCommand::Remove { name } => {
            let store = config.store.open()?;
            if !store.remove_source(&name)? {
                return Err(config_error(format!(
                    "{} has no source named `{name}`{}",
                    store.describe(),
                    if config.sources.iter().any(|s| s.name == name) {
                        "; it is in the configuration file: remove it there"
                    } else {
                        ""
                    }
                )));
            }
            writeln!(
                out,
                "removed source `{name}` from {}; its snapshot and history stay",
                store.describe()
            )?;
        }
        SourceCommand::List { format } => {
            let file_sources = config.sources.len();
            let store = config.store.open_existing()?;
            let stored = match &store {
                Some(store) => store.stored_sources()?,
                None => Vec::new(),
            };
            let updated: std::collections::BTreeMap<&str, &str> = stored
                .iter()
                .map(|s| (s.name.as_str(), s.updated_at.as_str()))
                .collect();
            let merged = match &store {
                Some(store) => config.with_stored_sources(store)?,
                None => config,
            };
            let rows: Vec<Listed> = merged
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| Listed {
                    name: s.name.clone(),
                    origin: if i < file_sources { "file" } else { "database" },
                    plugin: s.plugin_name(),
                    schedule: s
                        .schedule
                        .map(|d| humantime::format_duration(d).to_string()),
                    settings: s.settings.iter().cloned().collect(),
                    updated_at: updated.get(s.name.as_str()).map(|u| u.to_string()),
                })
                .collect();
            list(out, &rows, default_format(format))?;
        }
    }
    Ok(0)
}

/// One source as `itam source list` shows it.
#[derive(serde::Serialize)]
struct Listed {
    name: String,
    /// `file` (the configuration file) or `database`.
    origin: &'static str,
    plugin: String,
    schedule: Option<String>,
    settings: std::collections::BTreeMap<String, String>,
    updated_at: Option<String>,
}

fn list(out: &mut dyn Write, rows: &[Listed], format: Format) -> Result<()> {
    match format {
        Format::Json => json(out, rows),
        Format::Csv => Err(config_error(
            "itam source list prints --format table or json",
        )),
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.origin.to_string(),
                        r.plugin.clone(),
                        r.schedule.clone().unwrap_or_else(|| "on request".into()),
                        r.settings
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ]
                })
                .collect();
            table(
                out,
                &["source", "from", "plugin", "schedule", "settings"],
                &cells,
                &[false; 5],
            )
        }
    }
}

impl Spec {
    /// `table` (a source's definition) with this spec's file and options applied, as TOML.
    fn apply(self, mut table: Table) -> Result<String> {
        if let Some(file) = &self.from_file {
            let text = itam_runtime::files::read_text_capped(file, itam_runtime::files::MAX_CONFIG)
                .map_err(|e| config_error(format!("cannot read {}: {e}", file.display())))?;
            let from: Table = toml::from_str(&text).map_err(|e| {
                config_error(format!(
                    "{}: {e}; write the source as in a [[source]] table of itam.toml, without the header",
                    file.display()
                ))
            })?;
            let name = table.get("name").cloned();
            table = from;
            if let Some(name) = name {
                table.entry("name").or_insert(name);
            }
        }
        if let Some(plugin) = self.plugin {
            let plugin = match plugin.ends_with(".wasm") {
                true => absolute(Path::new(&plugin))?.display().to_string(),
                false => plugin,
            };
            table.insert("plugin".into(), Value::String(plugin));
        }
        match self.schedule.as_deref() {
            Some("off") => {
                table.remove("schedule");
            }
            Some(schedule) => {
                table.insert("schedule".into(), Value::String(schedule.into()));
            }
            None => {}
        }
        if !self.settings.is_empty() {
            let settings = section(&mut table, "settings")?;
            for (name, value) in self.settings {
                settings.insert(name, Value::String(value));
            }
        }
        let secret = |kind: &str, value: String| {
            let mut reference = Table::new();
            reference.insert(kind.into(), Value::String(value));
            Value::Table(reference)
        };
        let credential = match (
            self.secret_env,
            self.secret_file,
            self.certificate,
            self.service_account,
        ) {
            (Some(var), ..) => Some(("client_secret", secret("env", var))),
            (_, Some(file), ..) => Some((
                "client_secret",
                secret("file", absolute(&file)?.display().to_string()),
            )),
            (_, _, Some(pem), _) => Some((
                "certificate",
                secret("file", absolute(&pem)?.display().to_string()),
            )),
            (.., Some(key)) => Some((
                "service_account",
                secret("file", absolute(&key)?.display().to_string()),
            )),
            _ => None,
        };
        if self.client_id.is_some() || credential.is_some() {
            let section = section(&mut table, "credential")?;
            if let Some(id) = self.client_id {
                section.insert("client_id".into(), Value::String(id));
            }
            if let Some((key, value)) = credential {
                // One way to sign in: the new one replaces the others.
                for other in ["client_secret", "certificate", "service_account"] {
                    section.remove(other);
                }
                section.insert(key.into(), value);
            }
        }
        Ok(toml::to_string(&table)?)
    }
}

/// The table `key` of `table`, created if missing.
fn section<'a>(table: &'a mut Table, key: &str) -> Result<&'a mut Table> {
    match table
        .entry(key)
        .or_insert_with(|| Value::Table(Table::new()))
    {
        Value::Table(t) => Ok(t),
        _ => Err(config_error(format!(
            "`{key}` of the source is not a table"
        ))),
    }
}

/// `path` made absolute from the working directory: the hosts of a fleet read it from
/// wherever they run.
fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))
}
