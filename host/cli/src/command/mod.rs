//! The `itam` command line.

mod changes;
mod check;
mod demo;
mod export;
mod fleet;
mod init;
mod plugin;
pub mod report;
mod runs;
mod source;
mod store;
mod sync;

use crate::config::Config;
use crate::display::text;
use crate::error::{Exit, config_error, exit_code};
use crate::render::format::Format;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use itam_runtime::Runtime;
use itam_store::Store;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The newest contract version the host runs (it runs every released one, see wit/README.md).
pub const CONTRACT: &str = "itam:collector@0.3.0";

/// `itam --version`: the host, the built-in plugin and the contract. The plugin is built from
/// this workspace, so it has the host's version (unless `ITAM_PLUGIN_WASM` embedded another
/// build, whose own version `itam plugin inspect m365` prints).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (built-in plugin m365 ",
    env!("CARGO_PKG_VERSION"),
    ", contract itam:collector@0.3.0)"
);

/// ITAM collector: licence inventory from sandboxed collector plugins.
#[derive(Parser)]
#[command(name = "itam", version = VERSION, about)]
struct Cli {
    /// Configuration file [default: $ITAM_CONFIG, else ./itam.toml, else
    /// $XDG_CONFIG_HOME/itam/itam.toml].
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sync a built-in synthetic tenant (served locally) and print its licence balance. With
    /// --db FILE, --config FILE writes a configuration (mode 600) for exploring that database.
    #[cfg(feature = "demo")]
    Demo {
        /// Users in the synthetic tenant (1 to 200000).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=MAX_DEMO_USERS))]
        users: u32,
        /// The integration whose synthetic tenant is synced.
        #[arg(long, value_enum, default_value = "m365")]
        plugin: crate::demo::DemoPlugin,
        /// Keep the database at this path (default: a temporary file). A database that holds
        /// other sources is refused.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Create the --db file's missing directories.
        #[arg(long)]
        create_dirs: bool,
        /// Output format of the balance.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// With --format csv: write every cell exactly as stored (no formula neutralisation).
        #[arg(long)]
        raw: bool,
        /// Then serve the demo's dashboard, API and metrics (see `itam serve`) until Ctrl-C.
        #[arg(long)]
        serve: bool,
        /// With --serve: the address to listen on [default: 127.0.0.1:8080].
        #[arg(long, requires = "serve", value_parser = crate::config::serve::parse_listen)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Run one sync of each configured source (or of one).
    Sync {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Read everything, even where the plugin could read only what changed since the last
        /// run (a full reconciliation read).
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
        /// Source name (default: the plugin's name).
        #[arg(long)]
        name: Option<String>,
        /// The plugin: a built-in one (m365) or a .wasm file. Its declared settings are asked
        /// for, and each answer is checked by the plugin itself.
        #[arg(long, default_value = "m365")]
        plugin: String,
        /// A setting of the plugin, NAME=VALUE (repeatable); `itam plugin inspect` lists them.
        #[arg(long = "setting", value_name = "NAME=VALUE", value_parser = parse_setting)]
        settings: Vec<(String, String)>,
        /// m365: Directory (tenant) ID or verified domain (the setting tenant_id).
        #[arg(long)]
        tenant_id: Option<String>,
        /// Application (client) ID.
        #[arg(long)]
        client_id: Option<String>,
        /// m365: global, us-gov, us-gov-dod or china (the setting cloud).
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
        /// m365: authority root replacing the cloud's sign-in host (the setting login_url).
        #[arg(long)]
        login_url: Option<String>,
        /// m365: Graph root replacing the cloud's Graph host (the setting graph_url).
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
        report: crate::command::report::ReportCommand,
    },
    /// The product catalogue that gives SKUs their friendly names.
    Catalog {
        #[command(subcommand)]
        command: crate::command::report::CatalogCommand,
    },
    /// The store itself: move a SQLite database into PostgreSQL.
    Store {
        #[command(subcommand)]
        command: store::StoreCommand,
    },
    /// Sources kept in the database (beside the configuration file's), for every service
    /// sharing it: add, set, list, remove.
    Source {
        #[command(subcommand)]
        command: source::SourceCommand,
    },
    /// The services sharing the database (a fleet): who is alive, what they hold, what is
    /// overdue.
    Fleet {
        #[command(subcommand)]
        command: fleet::FleetCommand,
    },
    /// Export an entity of the stored snapshot.
    Export {
        /// What to export.
        #[arg(value_enum)]
        entity: crate::render::export::EntityArg,
        /// The source (needed when several are configured).
        #[arg(long)]
        source: Option<String>,
        /// json or csv.
        #[arg(long, value_enum, default_value = "json")]
        format: crate::render::export::ExportFormat,
        /// With --format csv: write every cell exactly as stored, without the leading `'` that
        /// keeps spreadsheets from running cells that start with = + - @ TAB or CR as formulas.
        #[arg(long)]
        raw: bool,
    },
    /// The change feed: every change after a cursor (joiners, leavers, renames, licences and
    /// products), oldest first, for the ITAM system downstream.
    Changes {
        /// Only this source's changes.
        #[arg(long)]
        source: Option<String>,
        /// The cursor the last call ended at (default 0: from the first change).
        #[arg(long, default_value_t = 0)]
        since: i64,
        /// At most this many changes (the cursor then says where to go on).
        #[arg(long, default_value_t = 100_000)]
        limit: u64,
        /// jsonl (the last line is the cursor), json or csv.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: changes::FeedFormat,
    },
    /// The recorded runs, newest first (every source's, or one's).
    Runs {
        /// Only this source's runs.
        #[arg(long)]
        source: Option<String>,
        /// How many runs to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Output format (table on a terminal, else json).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Run as a service: every source on its schedule, with the licence dashboard, a JSON
    /// API and Prometheus metrics over HTTP. SIGHUP reloads the configuration, SIGUSR1 runs
    /// every source now, SIGTERM stops.
    Serve {
        /// Address and port to listen on [default: [serve] listen, else 127.0.0.1:8080].
        #[arg(long, value_parser = crate::config::serve::parse_listen)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Plugin tools.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// Print a shell completion script: `itam completions bash > /etc/bash_completion.d/itam`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `itam man > itam.1`.
    Man,
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

/// The most users `itam demo` generates: the synthetic tenant is generated and served from
/// memory, so an unbounded count exhausts the machine.
const MAX_DEMO_USERS: i64 = 200_000;

/// The first argument that makes `itam` the plugin compiler child (see [`runtime`]).
const COMPILER_ARG: &str = "__compile-plugin";

/// The sandbox runtime, compiling plugins in a child process of this executable so that a
/// compilation that runs too long or too large can be stopped.
pub(crate) fn runtime() -> Result<Runtime> {
    let runtime = Runtime::new()?;
    Ok(match std::env::current_exe() {
        Ok(program) => runtime.with_compiler(itam_runtime::compile::Compiler::Child {
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
        return match itam_runtime::serve_compiler() {
            Ok(()) => 0,
            Err(e) => {
                // The parent quotes this as the reason: no `error:` prefix.
                eprint!("{e:#}");
                1
            }
        };
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; a usage error exits 2.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.code()
            } else {
                Exit::Success.code()
            };
        }
    };
    // The service logs its runs: at least info.
    let verbose = match cli.command {
        Command::Serve { .. } => cli.verbose.max(1),
        _ => cli.verbose,
    };
    init_tracing(verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::RunFailed.code();
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
/// newlines included, where it was put into the message (`itam_runtime::describe_failure` and the
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
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "itam_cli={level},itam_runtime={level},itam_store={level},itam_reports={level},warn"
        ))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Escapes control characters in messages and fields: plugins' log messages are
        // forwarded into tracing as they are.
        .fmt_fields(crate::display::log_fields())
        .with_writer(|| crate::progress::LogWriter)
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

/// The configuration file: `--config`, else `$ITAM_CONFIG`, else `./itam.toml`, else
/// `$XDG_CONFIG_HOME/itam/itam.toml` (`~/.config/itam/itam.toml`) when that exists. When none
/// exists, `./itam.toml` (which `itam init` writes and errors name).
pub fn config_path(flag: Option<PathBuf>) -> PathBuf {
    config_path_from(flag, &|name| std::env::var_os(name))
}

fn config_path_from(
    flag: Option<PathBuf>,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> PathBuf {
    if let Some(path) = flag {
        return path;
    }
    if let Some(path) = env("ITAM_CONFIG").filter(|p| !p.is_empty()) {
        return path.into();
    }
    let local = PathBuf::from("itam.toml");
    if local.exists() {
        return local;
    }
    let xdg = env("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")));
    match xdg.map(|d| d.join("itam").join("itam.toml")) {
        Some(path) if path.exists() => path,
        _ => local,
    }
}

async fn run(cli: Cli) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let explicit_config = cli.config.clone();
    let config = config_path(cli.config);
    let cli_config = &config;
    match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo {
            users,
            plugin,
            db,
            create_dirs,
            format,
            raw,
            serve,
            listen,
        } => {
            let options = demo::DemoOptions {
                plugin,
                users: users as usize,
                db,
                create_dirs,
                write_config: explicit_config,
                serve: serve.then_some(listen),
            };
            demo::demo(options, default_format(format), raw, &mut out).await
        }
        Command::Sync { source, full } => {
            sync::sync(cli_config, source.as_deref(), full, &mut out).await
        }
        Command::Init {
            name,
            plugin,
            mut settings,
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
            // The shorthand flags are the built-in plugin's settings.
            for (setting, value) in [
                ("tenant_id", tenant_id),
                ("cloud", cloud),
                ("login_url", login_url),
                ("graph_url", graph_url),
            ] {
                if let Some(value) = value {
                    settings.retain(|(n, _)| n != setting);
                    settings.push((setting.to_string(), value));
                }
            }
            let partial = PartialAnswers {
                name,
                plugin,
                settings,
                client_id,
                credential,
            };
            // `itam init` writes a new file: never one found in $XDG_CONFIG_HOME.
            let target = explicit_config
                .or_else(|| {
                    std::env::var_os("ITAM_CONFIG")
                        .filter(|p| !p.is_empty())
                        .map(PathBuf::from)
                })
                .unwrap_or_else(|| PathBuf::from("itam.toml"));
            let flags = init::InitFlags {
                force,
                new_key,
                interactive,
                check,
            };
            init::init(&target, partial, flags, &mut out).await
        }
        Command::Check { source, format } => {
            check::check(cli_config, source.as_deref(), format, &mut out).await
        }
        Command::Report { report } => crate::command::report::report(cli_config, report, &mut out),
        Command::Catalog { command } => {
            crate::command::report::catalog(cli_config, command, &mut out)
        }
        Command::Store { command } => store::store(cli_config, command, &mut out),
        Command::Source { command } => source::source(cli_config, command, &mut out),
        Command::Fleet { command } => fleet::fleet(cli_config, command, &mut out),
        Command::Export {
            entity,
            source,
            format,
            raw,
        } => export::export(cli_config, entity, source.as_deref(), format, raw, &mut out),
        Command::Changes {
            source,
            since,
            limit,
            format,
        } => changes::changes(
            cli_config,
            source.as_deref(),
            since,
            limit,
            format,
            &mut out,
        ),
        Command::Runs {
            source,
            limit,
            format,
        } => runs::runs(cli_config, source.as_deref(), limit, format, &mut out),
        Command::Serve { listen } => {
            let runtime = runtime()?;
            crate::serve::serve(cli_config, listen, runtime).await
        }
        Command::Plugin {
            command: PluginCommand::Inspect { plugin, source },
        } => plugin::inspect(cli_config, &plugin, source.as_deref(), &mut out).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "itam", &mut out);
            Ok(0)
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            Ok(0)
        }
    }
}

/// Opens the configured store for writing (`sync`), creating the database (mode 600) and,
/// with `[store] create_dirs = true`, its missing directories.
/// The configuration file's, with the sources kept in the database (`itam source add`) when
/// the database exists.
pub(crate) fn load_config(config_path: &Path) -> Result<Config> {
    let config = Config::load(config_path)?;
    match config.store.open_existing()? {
        Some(store) => config.with_stored_sources(&store),
        None => Ok(config),
    }
}

fn open_store(config: &Config) -> Result<Store> {
    config.store.open()
}

/// For the commands that read the log of every source or of one (`runs`, `changes`): the
/// source `name` checked against the configuration, and the store if a database exists yet
/// (reading creates none).
fn log_reader(config_path: &Path, name: Option<&str>) -> Result<(Option<String>, Option<Store>)> {
    let config = load_config(config_path)?;
    let source = match name {
        Some(name) => Some(config.select(Some(name))?[0].name.clone()),
        None => None,
    };
    Ok((source, config.store.open_existing()?))
}

/// Opens the configured store for reading; an error if it does not exist yet.
fn open_existing_store(config: &Config) -> Result<Store> {
    config.store.open_existing()?.ok_or_else(|| {
        config_error(format!(
            "no database at {}; run `itam sync` first",
            config
                .store
                .sqlite_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ))
    })
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
    let config = load_config(config_path)?;
    let source = one_source(&config, source)?;
    let store = open_existing_store(&config)?;
    if store.last_success(&source)?.is_none() {
        anyhow::bail!(
            "source `{source}` has no successful sync yet; run `itam sync --source {source}`"
        );
    }
    Ok((store, source))
}

/// `NAME=VALUE` of `--setting`.
fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn the_config_flag_wins_then_itam_config_then_the_local_file() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let both = env(&[("ITAM_CONFIG", "/etc/itam/env.toml")]);
        assert_eq!(
            config_path_from(Some("flag.toml".into()), &both),
            PathBuf::from("flag.toml")
        );
        assert_eq!(
            config_path_from(None, &both),
            PathBuf::from("/etc/itam/env.toml")
        );
        let dir = tempfile::tempdir().unwrap();
        let xdg = dir.path().join("itam");
        std::fs::create_dir(&xdg).unwrap();
        std::fs::write(xdg.join("itam.toml"), "").unwrap();
        let home: &'static str = Box::leak(dir.path().display().to_string().into_boxed_str());
        let vars: &'static [(&str, &str)] = Box::leak(Box::new([("XDG_CONFIG_HOME", home)]));
        // The tests run in the crate's directory, which holds no itam.toml.
        assert!(!Path::new("itam.toml").exists());
        assert_eq!(config_path_from(None, &env(vars)), xdg.join("itam.toml"));
        assert_eq!(
            config_path_from(None, &env(&[])),
            PathBuf::from("itam.toml")
        );
    }

    #[test]
    fn the_version_names_the_plugin_and_the_contract() {
        assert!(VERSION.contains(CONTRACT), "{VERSION}");
        assert!(VERSION.contains("m365"), "{VERSION}");
    }
}
