//! `[store]`: where the inventory is kept. A SQLite file by default (`path`); a PostgreSQL
//! database (`url`, with the password by reference) when several hosts share one.

use super::secret_ref::SecretRef;
use crate::error::config_error;
use anyhow::Result;
use itam_store::{PostgresOptions, Store};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The configured store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSettings {
    /// A SQLite database file.
    Sqlite {
        /// The file.
        path: PathBuf,
        /// Whether `sync` and `serve` may create its missing directories.
        create_dirs: bool,
    },
    /// A PostgreSQL database.
    Postgres {
        /// `postgres://user@host:5432/database?sslmode=require`, without a password.
        url: String,
        /// Where the password comes from, if the server asks for one.
        password: Option<SecretRef>,
        /// A CA certificate to trust for the server's TLS certificate.
        ca_file: Option<PathBuf>,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    path: Option<PathBuf>,
    create_dirs: Option<bool>,
    url: Option<String>,
    password: Option<toml::Value>,
    ca_file: Option<PathBuf>,
}

impl RawStore {
    /// Validates `[store]`; relative paths are taken from `base`.
    pub(crate) fn resolve(self, base: &Path) -> Result<StoreSettings, String> {
        let Some(url) = self.url else {
            if self.password.is_some() || self.ca_file.is_some() {
                return Err(
                    "[store] password and ca_file belong to a PostgreSQL store: set url = \"postgres://…\" or remove them".into(),
                );
            }
            return Ok(StoreSettings::Sqlite {
                path: base.join(self.path.unwrap_or_else(|| "itam.db".into())),
                create_dirs: self.create_dirs.unwrap_or(false),
            });
        };
        if self.path.is_some() || self.create_dirs.is_some() {
            return Err(
                "[store] has both url (PostgreSQL) and path/create_dirs (SQLite); keep one".into(),
            );
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(format!(
                "[store] url must start with postgres:// (e.g. postgres://itam@db.example.com:5432/itam?sslmode=require), not `{}`",
                url.split("://").next().unwrap_or_default()
            ));
        }
        let password = self
            .password
            .map(|value| {
                SecretRef::parse(
                    value,
                    base,
                    "[store] password",
                    "ITAM_DB_PASSWORD",
                    "db-password",
                )
            })
            .transpose()?;
        Ok(StoreSettings::Postgres {
            url,
            password,
            ca_file: self.ca_file.map(|f| base.join(f)),
        })
    }
}

impl StoreSettings {
    /// The store, for messages: `the database /var/lib/itam/itam.db`.
    pub fn describe(&self) -> String {
        match self {
            StoreSettings::Sqlite { path, .. } => format!("the database {}", path.display()),
            StoreSettings::Postgres { .. } => self
                .postgres()
                .map(|o| o.describe())
                .unwrap_or_else(|_| "the PostgreSQL database".into()),
        }
    }

    /// The SQLite file, if the store is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StoreSettings::Sqlite { path, .. } => Some(path),
            StoreSettings::Postgres { .. } => None,
        }
    }

    /// Opens the store for writing: a SQLite database is created (mode 600), with its missing
    /// directories if `create_dirs`; a PostgreSQL database gets the schema's migrations.
    pub fn open(&self) -> Result<Store> {
        match self {
            StoreSettings::Sqlite { path, create_dirs } => {
                if *create_dirs {
                    itam_store::create_parent_dirs(path)?;
                }
                Store::open(path)
            }
            StoreSettings::Postgres { .. } => Store::open_postgres(&self.postgres()?),
        }
    }

    /// Opens the store for reading if there is one: `None` for a SQLite file that does not
    /// exist yet (reading creates none).
    pub fn open_existing(&self) -> Result<Option<Store>> {
        match self {
            StoreSettings::Sqlite { path, .. } if !path.exists() => Ok(None),
            StoreSettings::Sqlite { path, .. } => Store::open(path).map(Some),
            StoreSettings::Postgres { .. } => Store::open_postgres(&self.postgres()?).map(Some),
        }
    }

    /// The PostgreSQL connection options, the password read from its reference.
    fn postgres(&self) -> Result<PostgresOptions> {
        let StoreSettings::Postgres {
            url,
            password,
            ca_file,
        } = self
        else {
            return Err(config_error("not a PostgreSQL store"));
        };
        let password = password
            .as_ref()
            .map(|p| p.read("[store] password"))
            .transpose()?;
        Ok(PostgresOptions {
            url: url.clone(),
            password,
            ca_file: ca_file.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StoreSettings, String> {
        let raw: RawStore = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.resolve(Path::new("/etc/itam"))
    }

    #[test]
    fn sqlite_is_the_default_and_postgres_takes_a_url_with_the_password_by_reference() {
        assert_eq!(
            parse("").unwrap(),
            StoreSettings::Sqlite {
                path: "/etc/itam/itam.db".into(),
                create_dirs: false
            }
        );
        assert_eq!(
            parse(
                "url = \"postgres://itam@db:5432/itam?sslmode=require\"\npassword = { file = \"pw\" }\nca_file = \"ca.pem\""
            )
            .unwrap(),
            StoreSettings::Postgres {
                url: "postgres://itam@db:5432/itam?sslmode=require".into(),
                password: Some(SecretRef::File("/etc/itam/pw".into())),
                ca_file: Some("/etc/itam/ca.pem".into()),
            }
        );
    }

    #[test]
    fn mixed_or_malformed_stores_say_what_to_write() {
        for (text, expected) in [
            ("url = \"postgres://db/itam\"\npath = \"x.db\"", "keep one"),
            ("url = \"mysql://db/itam\"", "must start with postgres://"),
            ("password = { env = \"X\" }", "belong to a PostgreSQL store"),
            (
                "url = \"postgres://db/itam\"\npassword = \"hunter2\"",
                "password = { env = \"ITAM_DB_PASSWORD\" }",
            ),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }
}
