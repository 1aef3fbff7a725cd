//! Sources kept in the database (`itam source add|list|set|remove`), for fleets with more
//! tenants than a configuration file should hold. Each is stored as the text of one
//! `[[source]]` table of the configuration file; the store keeps the text, and the CLI parses
//! and validates it like the file's own.

use crate::{Store, values};
use anyhow::{Result, bail};

/// A source kept in the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredSource {
    /// Its name.
    pub name: String,
    /// Its `[[source]]` table, as TOML.
    pub definition: String,
    /// How many times it was set.
    pub revision: i64,
    /// When it was last set.
    pub updated_at: String,
}

/// What a service compares to notice that the stored sources changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourcesVersion {
    count: i64,
    revisions: i64,
    latest: String,
}

impl Store {
    /// Adds source `name`; fails if the database has one of that name already.
    pub fn add_source(&self, name: &str, definition: &str) -> Result<()> {
        self.transaction(|q| {
            let exists: bool = q.value(
                "SELECT EXISTS (SELECT 1 FROM sources WHERE name = ?1)",
                &values![name],
            )?;
            if exists {
                bail!(itam_runtime::error::config_error(format!(
                    "{} has a source named `{name}` already; change it with `itam source set {name} …` or remove it first",
                    self.describe()
                )));
            }
            q.execute(
                "INSERT INTO sources (name, definition, updated_at) VALUES (?1, ?2, ?3)",
                &values![name, definition, stamp()],
            )?;
            Ok(())
        })
    }

    /// Replaces the definition of source `name`; fails if there is none.
    pub fn set_source(&self, name: &str, definition: &str) -> Result<()> {
        let changed = self.read(|q| {
            q.execute(
                "UPDATE sources SET definition = ?2, revision = revision + 1, updated_at = ?3
                 WHERE name = ?1",
                &values![name, definition, stamp()],
            )
        })?;
        if changed == 0 {
            bail!(itam_runtime::error::config_error(format!(
                "{} has no source named `{name}`; add it with `itam source add`",
                self.describe()
            )));
        }
        Ok(())
    }

    /// Removes source `name` and its schedule (its snapshot and history stay); false if
    /// there was none.
    pub fn remove_source(&self, name: &str) -> Result<bool> {
        self.transaction(|q| {
            let removed = q.execute("DELETE FROM sources WHERE name = ?1", &values![name])?;
            if removed > 0 {
                q.execute(
                    "DELETE FROM schedule WHERE source = ?1 AND lease_holder IS NULL",
                    &values![name],
                )?;
            }
            Ok(removed > 0)
        })
    }

    /// The sources kept in the database, by name.
    pub fn stored_sources(&self) -> Result<Vec<StoredSource>> {
        self.read(|q| {
            q.rows(
                "SELECT name, definition, revision, updated_at FROM sources ORDER BY name",
                &[],
                |r| {
                    Ok(StoredSource {
                        name: r.get(0)?,
                        definition: r.get(1)?,
                        revision: r.get(2)?,
                        updated_at: r.get(3)?,
                    })
                },
            )
        })
    }

    /// A version of the stored sources that changes whenever one is added, set or removed.
    pub fn sources_version(&self) -> Result<SourcesVersion> {
        self.read(|q| {
            let row = q.row_opt(
                "SELECT COUNT(*), COALESCE(SUM(revision), 0), COALESCE(MAX(updated_at), '')
                 FROM sources",
                &[],
                |r| {
                    Ok(SourcesVersion {
                        count: r.get(0)?,
                        revisions: r.get(1)?,
                        latest: r.get(2)?,
                    })
                },
            )?;
            Ok(row.unwrap_or_default())
        })
    }
}

/// Now, to the nanosecond: a source removed and another added within one second still
/// changes [`SourcesVersion`].
fn stamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}
