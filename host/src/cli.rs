//! The `itam` command line.

use crate::config::Config;
use crate::display::text;
use crate::error::{config_error, exit_code};
use crate::report::{export, format::Format};
use crate::runtime::Runtime;
use crate::store::Store;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// ITAM collector: licence inventory from sandboxed collector plugins.
#[derive(Parser)]
#[command(name = "itam", version, about)]
struct Cli {
    /// Configuration file.
    #[arg(long, global = true, default_value = "itam.toml")]
    config: PathBuf,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sync a built-in synthetic tenant (served locally) and print its licence balance.
    #[cfg(feature = "demo")]
    Demo {
        /// Users in the synthetic tenant.
        #[arg(long, default_value_t = 500)]
        users: usize,
        /// Keep the database at this path (default: a temporary file).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Output format of the balance.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// With --format csv: write every cell exactly as stored (no formula neutralisation).
        #[arg(long)]
        raw: bool,
    },
    /// Run one sync of each configured source (or of one).
    Sync {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Read everything (every sync is currently full).
        #[arg(long)]
        full: bool,
    },
    /// Diagnose credentials, consent, permissions and endpoints; exit 3 on a blocking problem.
    Check {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Output format (table on a terminal, else json).
        #[arg(long, value_enum)]
        format: Option<crate::check::CheckFormat>,
    },
    /// Write a configuration from prompts or flags (a secret is never written inline).
    Init {
        /// Source name.
        #[arg(long)]
        name: Option<String>,
        /// Directory (tenant) ID or verified domain.
        #[arg(long)]
        tenant_id: Option<String>,
        /// Application (client) ID.
        #[arg(long)]
        client_id: Option<String>,
        /// global, us-gov, us-gov-dod or china.
        #[arg(long)]
        cloud: Option<String>,
        /// Read the client secret from this environment variable.
        #[arg(long, group = "credential")]
        secret_env: Option<String>,
        /// Read the client secret from this file.
        #[arg(long, group = "credential")]
        secret_file: Option<PathBuf>,
        /// Use this PEM file with the certificate and its private key.
        #[arg(long, group = "credential")]
        certificate: Option<PathBuf>,
        /// Generate a self-signed certificate and key (itam-app.pem) and its public part to
        /// upload (itam-app.crt).
        #[arg(long, group = "credential")]
        generate_certificate: bool,
        /// Authority root replacing the cloud's sign-in host.
        #[arg(long)]
        login_url: Option<String>,
        /// Graph root replacing the cloud's Graph host.
        #[arg(long)]
        graph_url: Option<String>,
        /// Overwrite an existing configuration file (never an existing key: see --new-key).
        #[arg(long)]
        force: bool,
        /// Replace an existing itam-app.pem with a new key and certificate. The old
        /// certificate stops working for this collector: upload the new itam-app.crt.
        #[arg(long)]
        new_key: bool,
        /// Prompt for missing answers even when stdin is not a terminal.
        #[arg(long)]
        interactive: bool,
        /// Run `itam check` after writing the configuration.
        #[arg(long)]
        check: bool,
    },
    /// Reports over the stored snapshot: balance, waste, subscriptions, changes, cost.
    Report {
        #[command(subcommand)]
        report: crate::cli_report::ReportCommand,
    },
    /// The product catalogue that gives SKUs their friendly names.
    Catalog {
        #[command(subcommand)]
        command: crate::cli_report::CatalogCommand,
    },
    /// Export an entity of the stored snapshot.
    Export {
        /// What to export.
        #[arg(value_enum)]
        entity: export::Entity,
        /// The source (needed when several are configured).
        #[arg(long)]
        source: Option<String>,
        /// json or csv.
        #[arg(long, value_enum, default_value = "json")]
        format: export::ExportFormat,
        /// With --format csv: write every cell exactly as stored, without the leading `'` that
        /// keeps spreadsheets from running cells that start with = + - @ TAB or CR as formulas.
        #[arg(long)]
        raw: bool,
    },
    /// The recorded runs of a source, newest first.
    Runs {
        /// The source (needed when several are configured).
        #[arg(long)]
        source: Option<String>,
        /// How many runs to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Plugin tools.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Print what a plugin declares: settings, credential, permissions, entities.
    Inspect {
        /// A built-in plugin name (m365) or a path to a .wasm component.
        plugin: String,
        /// A source from the config whose settings give the hosts the plugin would contact.
        #[arg(long)]
        source: Option<String>,
    },
}

/// The first argument that makes `itam` the plugin compiler child (see [`runtime`]).
const COMPILER_ARG: &str = "__compile-plugin";

/// The sandbox runtime, compiling plugins in a child process of this executable so that a
/// compilation that runs too long or too large can be stopped.
fn runtime() -> Result<Runtime> {
    let runtime = Runtime::new()?;
    Ok(match std::env::current_exe() {
        Ok(program) => runtime.with_compiler(crate::runtime::compile::Compiler::Child {
            program,
            args: vec![COMPILER_ARG.into()],
        }),
        Err(e) => {
            tracing::warn!(error = %e, "compiling plugins in this process: the executable's path is unknown");
            runtime
        }
    })
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    if std::env::args_os().nth(1).as_deref() == Some(std::ffi::OsStr::new(COMPILER_ARG)) {
        return match crate::runtime::serve_compiler() {
            Ok(()) => 0,
            Err(e) => {
                // The parent quotes this as the reason: no `error:` prefix.
                eprint!("{e:#}");
                1
            }
        };
    }
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // `itam export … | head` closes the pipe early: that is not an error.
        Err(e) if e.chain().any(is_broken_pipe) => 0,
        Err(e) => {
            print_error(&e);
            exit_code(&e)
        }
    }
}

/// Prints an error chain on stderr as `error: …`.
///
/// Errors are several lines by design (`error: …` then `  fix: …`, `  denied: …`), so the chain
/// is escaped line by line ([`crate::display::lines`]) rather than as one value: its own line
/// breaks stay, every other control character is escaped whatever its origin (a path, a remote
/// server's message). The text that came from a plugin or the tenant was escaped as one value,
/// newlines included, where it was put into the message (`sync::describe_failure` and the
/// other places that quote plugin output), so none of its lines can begin a forged `error:` or
/// `fix:` line here.
fn print_error(e: &anyhow::Error) {
    eprintln!("error: {}", crate::display::lines(&format!("{e:#}")));
}

/// Whether an error is the reader of our output going away (`EPIPE`).
fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        return io.kind() == BrokenPipe;
    }
    if let Some(json) = error.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(BrokenPipe);
    }
    if let Some(csv) = error.downcast_ref::<csv::Error>() {
        return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
    }
    false
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("itam_host={level},warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Escapes control characters in messages and fields: plugins' log messages are
        // forwarded into tracing as they are.
        .fmt_fields(crate::display::log_fields())
        .with_writer(|| crate::runtime::progress::LogWriter)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

pub(crate) fn default_format(format: Option<Format>) -> Format {
    format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    })
}

async fn run(cli: Cli) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo {
            users,
            db,
            format,
            raw,
        } => demo(users, db, default_format(format), raw, &mut out).await,
        Command::Sync { source, full: _ } => sync(&cli.config, source.as_deref(), &mut out).await,
        Command::Init {
            name,
            tenant_id,
            client_id,
            cloud,
            secret_env,
            secret_file,
            certificate,
            generate_certificate,
            login_url,
            graph_url,
            force,
            new_key,
            interactive,
            check,
        } => {
            use crate::init::{CredentialChoice, PartialAnswers};
            let credential = match (secret_env, secret_file, certificate, generate_certificate) {
                (Some(v), ..) => Some(CredentialChoice::SecretEnv(v)),
                (_, Some(f), ..) => Some(CredentialChoice::SecretFile(f, None)),
                (_, _, Some(c), _) => Some(CredentialChoice::Certificate(c)),
                (.., true) => Some(CredentialChoice::GenerateCertificate),
                _ => None,
            };
            let partial = PartialAnswers {
                name,
                tenant_id,
                client_id,
                cloud,
                credential,
                login_url,
                graph_url,
            };
            let flags = InitFlags {
                force,
                new_key,
                interactive,
                check,
            };
            init(&cli.config, partial, flags, &mut out).await
        }
        Command::Check { source, format } => {
            let config = Config::load(&cli.config)?;
            let runtime = runtime()?.with_network(config.network.clone());
            let mut checks = Vec::new();
            for s in config.select(source.as_deref())? {
                checks.push(crate::check::check_source(&runtime, s).await);
            }
            let format = format.unwrap_or_else(|| default_format(None).into());
            crate::check::render(&mut out, &checks, format)?;
            Ok(if checks.iter().all(|c| c.ok) { 0 } else { 3 })
        }
        Command::Report { report } => crate::cli_report::report(&cli.config, report, &mut out),
        Command::Catalog { command } => crate::cli_report::catalog(&cli.config, command, &mut out),
        Command::Export {
            entity,
            source,
            format,
            raw,
        } => {
            let (store, source) = open_for_report(&cli.config, source.as_deref())?;
            store.with_conn(|conn| export::export(conn, &source, entity, format, raw, &mut out))?;
            Ok(0)
        }
        Command::Runs { source, limit } => {
            let config = Config::load(&cli.config)?;
            let source = one_source(&config, source.as_deref())?;
            let store = Store::open(&config.store_path)?;
            serde_json::to_writer_pretty(&mut out, &store.runs(&source, limit)?)?;
            writeln!(out)?;
            Ok(0)
        }
        Command::Plugin {
            command: PluginCommand::Inspect { plugin, source },
        } => inspect(&cli.config, &plugin, source.as_deref(), &mut out).await,
    }
}

#[cfg(feature = "demo")]
async fn demo(
    users: usize,
    db: Option<PathBuf>,
    format: Format,
    raw: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let temp = tempfile::tempdir()?;
    let kept = db.is_some();
    let path = db.unwrap_or_else(|| temp.path().join("demo.db"));
    let store = Store::open(&path)?;
    let runtime = runtime()?;
    let report = crate::demo::run(&runtime, &store, users).await?;
    let rows = crate::report::balance::balance(&store, &report.source)?;
    if format == Format::Table {
        writeln!(
            out,
            "Demo tenant synced through the m365 plugin: {}.",
            text(&report.counts_text())
        )?;
        writeln!(out, "Licence balance:\n")?;
    }
    crate::report::balance::render(out, &rows, format, raw)?;
    if format == Format::Table {
        let options = crate::report::waste::WasteOptions {
            inactive_days: crate::report::settings::DEFAULT_INACTIVE_DAYS,
            now: chrono::Utc::now(),
        };
        let findings = crate::report::waste::waste(&store, &report.source, options)?;
        let waste = crate::report::cost::WasteReport::new(
            options.inactive_days,
            findings,
            &crate::report::cost::PriceBook::new(&[]),
        );
        writeln!(out)?;
        crate::report::waste_render::summary(out, &waste)?;
        let note = if kept {
            ""
        } else {
            " (temporary; pass --db FILE to keep it)"
        };
        writeln!(out, "\nDatabase: {}{note}", path.display())?;
        if kept {
            writeln!(
                out,
                "Explore it with a config whose [store] path is that file: `itam report waste`, `itam report subscriptions`, `itam export accounts`."
            )?;
        }
    }
    Ok(0)
}

/// The switches of `itam init`.
struct InitFlags {
    /// Overwrite an existing configuration.
    force: bool,
    /// Replace an existing generated key.
    new_key: bool,
    /// Prompt even when stdin is not a terminal.
    interactive: bool,
    /// Run `itam check` afterwards.
    check: bool,
}

async fn init(
    config_path: &Path,
    partial: crate::init::PartialAnswers,
    flags: InitFlags,
    out: &mut dyn Write,
) -> Result<i32> {
    let InitFlags {
        force,
        new_key,
        interactive: force_prompts,
        check: run_check,
    } = flags;
    use crate::init::{
        CredentialChoice, Prompter, complete, generate_certificate, interactive, write,
    };
    partial.validate()?;
    let prompting = interactive(force_prompts);
    let dir = config_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // `itam init --generate-certificate` alone: just the certificate, to upload first.
    if partial.credential == Some(CredentialChoice::GenerateCertificate)
        && partial.tenant_id.is_none()
        && partial.client_id.is_none()
        && !prompting
    {
        let (pem, crt) = generate_certificate(dir, "itam-app", 365, new_key)?;
        writeln!(
            out,
            "generated {} (certificate and private key, mode 600; keep it private)",
            pem.display()
        )?;
        writeln!(
            out,
            "upload {} under Certificates & secrets → Certificates → Upload certificate in the app registration",
            crt.display()
        )?;
        writeln!(
            out,
            "then: itam init --tenant-id … --client-id … --certificate {}",
            pem.display()
        )?;
        return Ok(0);
    }
    if config_path.exists() && !force {
        return Err(config_error(format!(
            "{} already exists; pass --force to replace it",
            config_path.display()
        )));
    }
    if !partial.is_complete() && !prompting {
        return Err(config_error(
            "not a terminal, so nothing can be asked: pass --tenant-id, --client-id and one of --secret-env, --secret-file, --certificate, --generate-certificate (or --interactive)",
        ));
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut prompt_out = std::io::stderr();
    let mut prompter = Prompter::new(&mut input, &mut prompt_out);
    let answers = complete(partial, &mut prompter)?;
    crate::init::validate(config_path, &answers, &runtime()?).await?;
    for note in write(config_path, &answers, new_key)? {
        writeln!(out, "{note}")?;
    }
    let check_now = run_check
        || (prompting
            && prompter.ask("Run `itam check` now? (y/n)", Some("y"), &|a| {
                if ["y", "n"].contains(&a) {
                    Ok(())
                } else {
                    Err("answer y or n".into())
                }
            })? == "y");
    if !check_now {
        writeln!(out, "next: itam check, then itam sync")?;
        return Ok(0);
    }
    let config = Config::load(config_path)?;
    let runtime = runtime()?.with_network(config.network.clone());
    let mut checks = Vec::new();
    for s in config.select(None)? {
        checks.push(crate::check::check_source(&runtime, s).await);
    }
    crate::check::render(out, &checks, Format::Table)?;
    Ok(if checks.iter().all(|c| c.ok) { 0 } else { 3 })
}

async fn sync(config_path: &Path, source: Option<&str>, out: &mut dyn Write) -> Result<i32> {
    let config = Config::load(config_path)?;
    let sources = config.select(source)?;
    let runtime = runtime()?.with_network(config.network.clone());
    // Validate every selected source before any of them touches the network. A source that
    // cannot be prepared (bad settings, a plugin that does not load) is reported and skipped;
    // the others still run.
    let mut prepared = Vec::new();
    let mut worst = 0;
    for s in &sources {
        match crate::sync::prepare(&runtime, s, &s.limits).await {
            Ok(p) => prepared.push((s, p)),
            Err(e) => {
                print_error(&e);
                worst = worst.max(exit_code(&e));
            }
        }
    }
    if prepared.is_empty() {
        return Ok(worst);
    }
    let store = Store::open(&config.store_path)?;
    let mut failed = 0;
    for (s, p) in &prepared {
        match p.run(&store, s, &s.limits).await {
            Ok(report) => {
                // The counts' names and the warnings are the plugin's text.
                writeln!(
                    out,
                    "{}: run {} succeeded: {}",
                    report.source,
                    report.run_id,
                    text(&report.counts_text())
                )?;
                for w in &report.warnings {
                    writeln!(out, "  warning: {}", text(w))?;
                }
            }
            Err(e) => {
                failed += 1;
                print_error(&e);
            }
        }
    }
    // A configuration problem (2) outranks a failed run (1).
    Ok(worst.max(if failed > 0 { 1 } else { 0 }))
}

fn one_source(config: &Config, name: Option<&str>) -> Result<String> {
    let selected = config.select(name)?;
    match selected.as_slice() {
        [one] => Ok(one.name.clone()),
        many => Err(config_error(format!(
            "several sources are configured ({}); choose one with --source NAME",
            many.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub(crate) fn open_for_report(config_path: &Path, source: Option<&str>) -> Result<(Store, String)> {
    let config = Config::load(config_path)?;
    let source = one_source(&config, source)?;
    if !config.store_path.exists() {
        return Err(config_error(format!(
            "no database at {}; run `itam sync` first",
            config.store_path.display()
        )));
    }
    let store = Store::open(&config.store_path)?;
    if store.last_success(&source)?.is_none() {
        anyhow::bail!(
            "source `{source}` has no successful sync yet; run `itam sync --source {source}`"
        );
    }
    Ok((store, source))
}

async fn inspect(
    config_path: &Path,
    plugin: &str,
    source: Option<&str>,
    out: &mut dyn Write,
) -> Result<i32> {
    let runtime = runtime()?;
    let reference = crate::plugins::parse_ref(plugin);
    let limits = crate::config::Limits::default();
    let loaded = crate::plugins::load(&runtime, &reference, &limits)
        .with_context(|| format!("loading {plugin}"))?;
    let d = loaded
        .describe(crate::sync::offline_context("inspect", &limits))
        .await?;
    let mut doc = serde_json::json!({
        "name": d.name,
        "version": d.version,
        "description": d.description,
        "sha256": loaded.sha256,
        "contract": "itam:collector@0.1.0",
        "credential": format!("{:?}", d.credential),
        "settings": d.settings.iter().map(|s| serde_json::json!({
            "name": s.name, "description": s.description, "required": s.required, "default": s.default_value,
        })).collect::<Vec<_>>(),
        "permissions": d.permissions.iter().map(|p| serde_json::json!({
            "name": p.name, "required": p.required, "purpose": p.purpose,
        })).collect::<Vec<_>>(),
        "produces": d.produces.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>(),
    });
    if let Some(name) = source {
        let config = Config::load(config_path)?;
        let s = config.select(Some(name))?[0];
        let prepared = crate::sync::prepare(&runtime, s, &s.limits).await?;
        doc["allowed_hosts"] = serde_json::json!(prepared.allow_list());
        doc["token_url"] =
            serde_json::json!(prepared.plan().grant.as_ref().map(|g| g.token_url.clone()));
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(0)
}
