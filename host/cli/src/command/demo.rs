//! `itam demo`: syncs the built-in synthetic tenant and prints its licence balance.

use super::*;

/// What `itam demo` was asked for.
#[cfg(feature = "demo")]
pub(super) struct DemoOptions {
    /// The integration whose synthetic tenant is synced.
    pub(super) plugin: crate::demo::DemoPlugin,
    /// Users in the synthetic tenant.
    pub(super) users: usize,
    /// Where to keep the database, if anywhere.
    pub(super) db: Option<PathBuf>,
    /// Whether to create the database's missing directories.
    pub(super) create_dirs: bool,
    /// With `--config FILE`: write there a configuration that names the demo's source.
    pub(super) write_config: Option<PathBuf>,
    /// After the sync, serve the dashboard (on this address, if given) until Ctrl-C.
    pub(super) serve: Option<Option<std::net::SocketAddr>>,
}

#[cfg(feature = "demo")]
pub(super) async fn demo(
    options: DemoOptions,
    format: Format,
    raw: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let temp = tempfile::tempdir()?;
    let kept = options.db.is_some();
    if let Some(config) = &options.write_config {
        if !kept {
            return Err(config_error(
                "itam demo --config FILE writes a configuration for the demo's database, so it needs --db FILE too (the default database is temporary)",
            ));
        }
        if config.exists() {
            return Err(config_error(format!(
                "{} already exists; itam demo --config writes a new configuration there: choose another file or remove it",
                config.display()
            )));
        }
    }
    let path = options
        .db
        .clone()
        .unwrap_or_else(|| temp.path().join("demo.db"));
    if options.create_dirs {
        itam_store::create_parent_dirs(&path)?;
    }
    // Read before anything is written: a production database is left as it is.
    let others: Vec<String> = itam_store::sources_in(&path)?
        .into_iter()
        .filter(|s| s != "demo")
        .collect();
    if !others.is_empty() {
        return Err(config_error(format!(
            "the database {} already holds other sources ({}); the demo adds its synthetic `demo` source only to a new database or one of its own: pass another --db",
            path.display(),
            crate::display::text(&others.join(", "))
        )));
    }
    let store = Store::open(&path)?;
    let runtime = runtime()?;
    let (emulator, source, report) =
        crate::demo::run(&runtime, &store, options.plugin, options.users).await?;
    if let Some(config) = &options.write_config {
        write_demo_config(config, &path, options.plugin.name())?;
    }
    let catalog = crate::catalogs::for_source(&store, &report.source)?;
    let rows = itam_reports::balance::balance(&store, &report.source, &*catalog)?;
    if format == Format::Table {
        writeln!(
            out,
            "Demo tenant synced through the {} plugin: {}.",
            options.plugin.name(),
            text(&report.counts_text())
        )?;
        writeln!(out, "Licence balance:\n")?;
    }
    crate::render::balance::render(out, &rows, format, raw)?;
    if format == Format::Table {
        let waste_options = itam_reports::waste::WasteOptions {
            inactive_days: itam_reports::settings::DEFAULT_INACTIVE_DAYS,
            now: chrono::Utc::now(),
        };
        let findings =
            itam_reports::waste::waste(&store, &report.source, waste_options, &*catalog)?;
        let waste = itam_reports::cost::WasteReport::new(
            waste_options.inactive_days,
            findings,
            &itam_reports::cost::PriceBook::new(&[]),
        );
        writeln!(out)?;
        crate::render::waste::summary(out, &waste)?;
        let note = if kept {
            ""
        } else {
            " (temporary; pass --db FILE to keep it)"
        };
        writeln!(out, "\nDatabase: {}{note}", path.display())?;
        if options.serve.is_none() {
            writeln!(
                out,
                "See it as a dashboard with an API and metrics: `itam demo --serve` (then open http://127.0.0.1:8080/)."
            )?;
        }
        match (&options.write_config, kept) {
            (Some(config), _) => writeln!(
                out,
                "Configuration: {} (mode 600). Explore it: `itam --config {} report waste`, `… report subscriptions`, `… export accounts`.",
                config.display(),
                config.display()
            )?,
            (None, true) => writeln!(
                out,
                "Explore it with a config whose [store] path is that file (`itam demo --db FILE --config demo.toml` writes one): `itam report waste`, `itam report subscriptions`, `itam export accounts`."
            )?,
            (None, false) => {}
        }
    }
    if let Some(listen) = options.serve {
        out.flush()?;
        let config = crate::demo::serve_config(&path, source);
        let code = crate::serve::run(config, None, listen, runtime).await?;
        drop(emulator);
        return Ok(code);
    }
    drop(emulator);
    Ok(0)
}

/// Writes a configuration (mode 600) whose store is the demo's database `db` and whose one
/// source is the demo's, for exploring it with the report and export commands.
#[cfg(feature = "demo")]
fn write_demo_config(config: &Path, db: &Path, plugin: &str) -> Result<()> {
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let db = toml::Value::String(db.display().to_string());
    let text = format!(
        "# Written by `itam demo`: the demo's database and its synthetic source.\n[store]\npath = {db}\n\n[[source]]\nname = \"demo\"\nplugin = \"{plugin}\"\n"
    );
    write_private_new(config, &text)
        .with_context(|| format!("writing the demo's configuration {}", config.display()))
}

/// Creates `path` with mode 600 (it must not exist) and writes `text` into it.
fn write_private_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}
