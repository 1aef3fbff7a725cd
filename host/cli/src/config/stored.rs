//! Sources kept in the database (`itam source add`), for fleets with more tenants than a file
//! should hold: each is the text of one `[[source]]` table, parsed and validated exactly like
//! the configuration file's, and joined to them when a command needs the sources.

use super::{Config, RawSource, Source};
use anyhow::Result;
use itam_store::Store;
use std::path::Path;

/// Parses one source's definition (the body of a `[[source]]` table). Its paths must be
/// absolute: every host of a fleet reads them, from wherever it was started.
pub fn parse(text: &str, limits: &super::Limits) -> Result<Source, String> {
    let raw = |text: &str| toml::from_str::<RawSource>(text).map_err(|e| e.to_string());
    let source = raw(text)?.resolve(Path::new("/"), limits)?;
    // Resolved from another directory, a relative path gives another source.
    let elsewhere = raw(text)?.resolve(Path::new("/elsewhere"), limits)?;
    if format!("{source:?}") != format!("{elsewhere:?}") {
        return Err(format!(
            "source `{}`: a path in a source kept in the database must be absolute (each host of a fleet reads it from wherever it runs)",
            source.name
        ));
    }
    Ok(source)
}

impl Config {
    /// This configuration with the sources kept in `store` after the file's own. A stored
    /// source named like one of the file's is left out (the file wins), and so is one whose
    /// definition no longer parses (say, written by a newer itam); both are logged.
    pub fn with_stored_sources(mut self, store: &Store) -> Result<Config> {
        for stored in store.stored_sources()? {
            if self.sources.iter().any(|s| s.name == stored.name) {
                tracing::warn!(source = %stored.name, "the configuration file has a source of this name; the one kept in the database is ignored");
                continue;
            }
            match parse(&stored.definition, &self.limits) {
                Ok(source) => self.sources.push(source),
                Err(e) => {
                    tracing::warn!(source = %stored.name, error = %e, "a source kept in the database is ignored: its definition does not parse")
                }
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_source_parses_like_the_files_and_needs_absolute_paths() {
        let limits = super::super::Limits::default();
        let source = parse(
            "name = \"contoso\"\nplugin = \"m365\"\nschedule = \"1h\"\n\
             [credential]\nclient_id = \"00000000-0000-0000-0000-0000000000a1\"\nclient_secret = { file = \"/etc/itam/contoso.secret\" }\n\
             [settings]\ntenant_id = \"contoso.example\"",
            &limits,
        )
        .unwrap();
        assert_eq!(source.name, "contoso");
        assert_eq!(source.schedule, Some(std::time::Duration::from_secs(3600)));
        let relative = parse(
            "name = \"x\"\nplugin = \"m365\"\n[credential]\nclient_id = \"00000000-0000-0000-0000-0000000000a1\"\nclient_secret = { file = \"x.secret\" }",
            &limits,
        )
        .unwrap_err();
        assert!(relative.contains("must be absolute"), "{relative}");
        let unknown = parse("name = \"x\"\nplugin = \"m365\"\ncolour = 1", &limits).unwrap_err();
        assert!(unknown.contains("colour"), "{unknown}");
    }
}
