//! The TOML configuration: parsed strictly (unknown keys are errors) and validated before any
//! network call. Credentials stay references (`{ env = "VAR" }`, `{ file = "…" }`, a
//! certificate file) when the file is loaded: only the commands that contact the tenant
//! (`sync`, `check`) resolve them, one source at a time, so a source whose secret is missing
//! is that source's problem and reading the database never needs a secret.

use crate::error::config_error;
use anyhow::Result;
pub use itam_runtime::credentials::{ClientAuth, Credential};
use itam_runtime::credentials::{ClientCertificate, Secret, ServiceAccountKey, Signing};
pub use itam_runtime::network::Network;
pub use itam_runtime::policy::{Limits, mib};
use serde::Deserialize;

mod reports;
pub mod secret_ref;
pub mod serve;
pub mod store;
pub mod stored;
pub mod webhooks;
use std::path::{Path, PathBuf};
use std::time::Duration;
pub use store::StoreSettings;

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the inventory is kept (`[store]`).
    pub store: StoreSettings,
    /// Proxy and trusted CAs.
    pub network: Network,
    /// Sandbox limits applied to every plugin run.
    pub limits: Limits,
    /// The configured sources, in file order.
    pub sources: Vec<Source>,
    /// Waste thresholds and prices for reports.
    pub reports: itam_reports::settings::ReportSettings,
    /// How `itam serve` listens and schedules.
    pub serve: serve::ServeSettings,
    /// Where `itam serve` sends each run's changes.
    pub webhooks: Vec<webhooks::Webhook>,
}

/// Which plugin a source runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginRef {
    /// A plugin embedded in this binary, by name.
    Builtin(String),
    /// A `.wasm` component on disk.
    File(PathBuf),
}

/// Where a source's secret or certificate comes from, as written in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthRef {
    /// `client_secret = { env = "VAR" }`.
    SecretEnv(String),
    /// `client_secret = { file = "path" }` (resolved against the configuration's directory).
    SecretFile(PathBuf),
    /// `certificate = { file = "app.pem" }`.
    Certificate {
        /// The PEM file with the certificate and its private key.
        path: PathBuf,
        /// The assertion's signature algorithm.
        signing: Signing,
    },
    /// `service_account = { file = "key.json" }`: a service account's JSON key file.
    ServiceAccount(PathBuf),
}

/// A source's credential as configured: its syntax is validated when the configuration is
/// loaded, its secret, certificate or key read only by [`CredentialRef::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRef {
    /// Application (client) ID; empty for a service account, whose key file names it.
    pub client_id: String,
    /// Where the secret or certificate comes from.
    pub auth: AuthRef,
}

pub use crate::error::CredentialError;

impl CredentialRef {
    /// Where the credential comes from, for messages (`environment variable X`, `file y`).
    pub fn origin(&self) -> String {
        match &self.auth {
            AuthRef::SecretEnv(var) => format!("environment variable {var}"),
            AuthRef::SecretFile(path) => format!("file {}", path.display()),
            AuthRef::Certificate { path, .. } => format!("certificate file {}", path.display()),
            AuthRef::ServiceAccount(path) => {
                format!("service account key file {}", path.display())
            }
        }
    }

    /// Reads the secret or certificate. `env` looks up environment variables. The error says
    /// what is missing and how to fix it, for `source`.
    pub fn resolve(
        &self,
        source: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credential, CredentialError> {
        let fail = |problem: String, fix: &str| CredentialError {
            source: source.to_string(),
            problem,
            fix: fix.to_string(),
        };
        let auth = match &self.auth {
            AuthRef::SecretEnv(var) => {
                let value = env(var).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                    fail(
                        format!(
                            "credential.client_secret refers to environment variable {var}, which is not set or empty"
                        ),
                        &format!(
                            "export {var} (the client secret's Value) in the environment that runs itam"
                        ),
                    )
                })?;
                ClientAuth::Secret(Secret::new(value.trim().to_string()))
            }
            AuthRef::SecretFile(path) => {
                itam_runtime::files::warn_if_readable_by_others(path, "client secret file");
                let value = itam_runtime::files::read_text_capped(path, itam_runtime::files::MAX_SECRET)
                    .map_err(|e| {
                        fail(
                            format!(
                                "credential.client_secret refers to file {}, which cannot be read: {e}",
                                path.display()
                            ),
                            "write the client secret's Value into that file (chmod 600), or correct the path",
                        )
                    })?;
                if value.trim().is_empty() {
                    return Err(fail(
                        format!("credential.client_secret file {} is empty", path.display()),
                        "write the client secret's Value into that file",
                    ));
                }
                ClientAuth::Secret(Secret::new(value.trim().to_string()))
            }
            AuthRef::Certificate { path, signing } => {
                itam_runtime::files::warn_if_readable_by_others(path, "certificate key file");
                let certificate = ClientCertificate::load(path, *signing).map_err(|e| {
                    fail(
                        format!("credential.certificate: {e}"),
                        "point certificate.file at the PEM file with the certificate and its private key (itam init --generate-certificate creates one)",
                    )
                })?;
                ClientAuth::Certificate(certificate)
            }
            AuthRef::ServiceAccount(path) => {
                itam_runtime::files::warn_if_readable_by_others(path, "service account key file");
                let key = ServiceAccountKey::load(path).map_err(|e| {
                    fail(
                        format!("credential.service_account: {e}"),
                        "point service_account.file at the service account's JSON key file (Google Cloud console → IAM & Admin → Service accounts → Keys → Add key → JSON)",
                    )
                })?;
                return Ok(Credential {
                    client_id: key.client_id.clone(),
                    origin: self.origin(),
                    auth: ClientAuth::ServiceAccount(key),
                });
            }
        };
        Ok(Credential {
            client_id: self.client_id.clone(),
            auth,
            origin: self.origin(),
        })
    }
}

/// One configured source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique name.
    pub name: String,
    /// The plugin to run.
    pub plugin: PluginRef,
    /// How often `itam daemon` runs it.
    pub schedule: Option<Duration>,
    /// How often a run reads everything even when the plugin could read only changes
    /// (default 7 days).
    pub full_every: Duration,
    /// How often an incremental run also reads sign-in activity in full, which has no
    /// change tracking (default 24 hours; 0 = every run).
    pub sign_ins_every: Duration,
    /// When set, the allow-list is narrowed to these origins.
    pub allowed_hosts: Option<Vec<String>>,
    /// The configured credential, as a reference (nothing secret is read at load time).
    pub credential_ref: Option<CredentialRef>,
    /// The resolved credential: `None` until [`Source::with_credential`] reads it (or when the
    /// source has none).
    pub credential: Option<Credential>,
    /// Settings passed to the plugin, as strings.
    pub settings: Vec<(String, String)>,
    /// Sandbox limits for this source: `[runtime]`, overridden by `[source.limits]`.
    pub limits: Limits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    store: store::RawStore,
    #[serde(default)]
    runtime: RawRuntime,
    #[serde(default)]
    network: RawNetwork,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
    #[serde(default)]
    reports: reports::RawReports,
    #[serde(default, rename = "price")]
    prices: Vec<reports::RawPrice>,
    #[serde(default)]
    serve: serve::RawServe,
    #[serde(default, rename = "webhook")]
    webhooks: Vec<webhooks::RawWebhook>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    https_proxy: Option<String>,
    no_proxy: Option<String>,
    ca_bundle: Option<PathBuf>,
}

impl RawNetwork {
    fn resolve(self, base: &Path) -> Result<Network, String> {
        if let Some(proxy) = &self.https_proxy {
            let uri: http::Uri = proxy
                .parse()
                .map_err(|e| format!("network.https_proxy `{proxy}` is not a URL: {e}"))?;
            if uri.host().is_none() || !matches!(uri.scheme_str(), Some("http") | Some("https")) {
                return Err(format!(
                    "network.https_proxy `{proxy}` must look like http://proxy.example:3128"
                ));
            }
        }
        let mut extra_roots = Vec::new();
        if let Some(bundle) = self.ca_bundle {
            let path = base.join(bundle);
            let text =
                itam_runtime::files::read_text_capped(&path, itam_runtime::files::MAX_CA_BUNDLE)
                    .map_err(|e| {
                        format!("network.ca_bundle {} cannot be read: {e}", path.display())
                    })?;
            let blocks = pem::parse_many(&text)
                .map_err(|e| format!("network.ca_bundle {} is not PEM: {e}", path.display()))?;
            extra_roots.extend(
                blocks
                    .into_iter()
                    .filter(|b| b.tag() == "CERTIFICATE")
                    .map(|b| b.into_contents()),
            );
            for der in &extra_roots {
                if itam_runtime::network::usable_ca(der).is_err()
                    || x509_parser::parse_x509_certificate(der).is_err()
                {
                    return Err(format!(
                        "network.ca_bundle {} holds a certificate that cannot be parsed",
                        path.display()
                    ));
                }
            }
            if extra_roots.is_empty() {
                return Err(format!(
                    "network.ca_bundle {} holds no CERTIFICATE",
                    path.display()
                ));
            }
        }
        Ok(Network {
            https_proxy: self.https_proxy,
            no_proxy: self.no_proxy,
            extra_roots,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRuntime {
    memory_limit_mb: Option<u64>,
    run_timeout: Option<String>,
    connect_timeout: Option<String>,
    first_byte_timeout: Option<String>,
    between_bytes_timeout: Option<String>,
    max_response_mb: Option<f64>,
    max_output_mb: Option<f64>,
    compile_timeout: Option<String>,
    compile_memory_mb: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    plugin: String,
    schedule: Option<String>,
    full_every: Option<String>,
    sign_ins_every: Option<String>,
    allowed_hosts: Option<Vec<String>>,
    credential: Option<RawCredential>,
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    limits: RawRuntime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredential {
    client_id: Option<String>,
    client_secret: Option<toml::Value>,
    certificate: Option<RawCertificate>,
    service_account: Option<RawKeyFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyFile {
    file: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertificate {
    file: PathBuf,
    algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretRef {
    env: Option<String>,
    file: Option<PathBuf>,
}

impl Source {
    /// The plugin's name as configured: a built-in name, or the `.wasm` file's path.
    pub fn plugin_name(&self) -> String {
        match &self.plugin {
            PluginRef::Builtin(name) => name.clone(),
            PluginRef::File(path) => path.display().to_string(),
        }
    }

    /// Whether the source is configured with a credential (resolved or not).
    pub fn has_credential(&self) -> bool {
        self.credential.is_some() || self.credential_ref.is_some()
    }

    /// This source with its credential read from the environment or its files. Only the
    /// commands that contact the tenant call this; the error is this source's configuration
    /// problem (exit code 2), and never holds the secret.
    pub fn with_credential(&self) -> Result<Source> {
        self.with_credential_from(&|name| std::env::var(name).ok())
            .map_err(anyhow::Error::new)
    }

    /// [`Source::with_credential`] with `env` looking up environment variables.
    pub fn with_credential_from(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Source, CredentialError> {
        let mut source = self.clone();
        if source.credential.is_none()
            && let Some(reference) = &self.credential_ref
        {
            source.credential = Some(reference.resolve(&self.name, env)?);
        }
        Ok(source)
    }
}

/// Built-in plugin names.
pub const BUILTIN_PLUGINS: &[&str] = &["m365", "gws"];

impl Config {
    /// Reads and validates the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = itam_runtime::files::read_text_capped(path, itam_runtime::files::MAX_CONFIG).map_err(|e| {
            config_error(format!(
                "cannot read the configuration file {}: {e}; pass --config <file> or create itam.toml (see README.md, Configuration)",
                path.display()
            ))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let config = Config::parse(&text, base)
            .map_err(|e| config_error(format!("{}: {e}", path.display())))?;
        // The file decides where secrets come from only when a source has a credential; a
        // configuration without one (the demo's, say) need not be private.
        if config.sources.iter().any(Source::has_credential) {
            itam_runtime::files::warn_if_readable_by_others(path, "configuration file");
        }
        Ok(config)
    }

    /// Parses configuration text. Relative paths are taken from `base`. Credentials stay
    /// references ([`Source::with_credential`] reads them).
    pub fn parse(text: &str, base: &Path) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let limits = raw.runtime.resolve()?;
        let network = raw.network.resolve(base)?;
        let store = raw.store.resolve(base)?;
        let reports = reports::resolve(raw.reports, raw.prices)?;
        let serve = raw.serve.resolve(base)?;
        let mut webhooks = Vec::new();
        for (i, raw) in raw.webhooks.into_iter().enumerate() {
            let webhook = raw.resolve(base, i)?;
            if webhooks
                .iter()
                .any(|w: &webhooks::Webhook| w.name == webhook.name)
            {
                return Err(format!(
                    "two webhooks are named `{}`; give each [[webhook]] a unique name",
                    webhook.name
                ));
            }
            webhooks.push(webhook);
        }
        let mut sources = Vec::new();
        for source in raw.sources {
            let source = source.resolve(base, &limits)?;
            if sources.iter().any(|s: &Source| s.name == source.name) {
                return Err(format!(
                    "two sources are named `{}`; give each [[source]] a unique name",
                    source.name
                ));
            }
            sources.push(source);
        }
        Ok(Config {
            store,
            network,
            limits,
            sources,
            reports,
            serve,
            webhooks,
        })
    }

    /// The source called `name`, or every source when `name` is `None`.
    pub fn select(&self, name: Option<&str>) -> Result<Vec<&Source>> {
        match name {
            None if self.sources.is_empty() => Err(config_error(
                "no [[source]] is configured; add one (see README.md, Configuration) or run `itam init`",
            )),
            None => Ok(self.sources.iter().collect()),
            Some(name) => self
                .sources
                .iter()
                .find(|s| s.name == name)
                .map(|s| vec![s])
                .ok_or_else(|| {
                    let known: Vec<_> = self.sources.iter().map(|s| s.name.as_str()).collect();
                    config_error(format!(
                        "no source named `{name}`; configured: {}",
                        known.join(", ")
                    ))
                }),
        }
    }
}

impl RawRuntime {
    fn resolve(self) -> Result<Limits, String> {
        self.resolve_over(&Limits::default(), "runtime")
    }

    /// These limits where given, `d` elsewhere; `table` names the TOML table in errors.
    fn resolve_over(self, d: &Limits, table: &str) -> Result<Limits, String> {
        let dur = |name: &str, v: Option<String>, default: Duration| match v {
            None => Ok(default),
            Some(v) => parse_duration(&v).map_err(|e| format!("{table}.{name}: {e}")),
        };
        let memory_bytes = match self.memory_limit_mb {
            None => d.memory_bytes,
            Some(mb) if (16..=4096).contains(&mb) => (mb as usize) << 20,
            Some(mb) => {
                return Err(format!(
                    "{table}.memory_limit_mb = {mb} is out of range; use 16 to 4096"
                ));
            }
        };
        // Sizes are in MiB, fractions allowed (0.5 is 512 KiB).
        let mb = |name: &str,
                  v: Option<f64>,
                  default: u64,
                  range: std::ops::RangeInclusive<f64>| match v {
            None => Ok(default),
            Some(n) if range.contains(&n) => Ok((n * (1u64 << 20) as f64) as u64),
            Some(n) => Err(format!(
                "{table}.{name} = {n} is out of range; use {} to {}",
                range.start(),
                range.end()
            )),
        };
        let compile_memory_bytes = match self.compile_memory_mb {
            None => d.compile.memory_bytes,
            Some(mb) if (256..=65536).contains(&mb) => mb << 20,
            Some(mb) => {
                return Err(format!(
                    "{table}.compile_memory_mb = {mb} is out of range; use 256 to 65536"
                ));
            }
        };
        let compile = itam_runtime::compile::CompileLimits {
            complexity: d.compile.complexity,
            timeout: dur("compile_timeout", self.compile_timeout, d.compile.timeout)?,
            memory_bytes: compile_memory_bytes,
        };
        Ok(Limits {
            compile,
            // The sandbox's caps keep their defaults; embedders of the runtime may set them.
            caps: d.caps.clone(),
            max_response_bytes: mb(
                "max_response_mb",
                self.max_response_mb,
                d.max_response_bytes,
                0.01..=1024.0,
            )?,
            max_output_bytes: mb(
                "max_output_mb",
                self.max_output_mb,
                d.max_output_bytes,
                0.01..=65536.0,
            )?,
            memory_bytes,
            run_timeout: dur("run_timeout", self.run_timeout, d.run_timeout)?,
            connect_timeout: dur("connect_timeout", self.connect_timeout, d.connect_timeout)?,
            first_byte_timeout: dur(
                "first_byte_timeout",
                self.first_byte_timeout,
                d.first_byte_timeout,
            )?,
            between_bytes_timeout: dur(
                "between_bytes_timeout",
                self.between_bytes_timeout,
                d.between_bytes_timeout,
            )?,
        })
    }
}

impl RawSource {
    fn resolve(self, base: &Path, runtime: &Limits) -> Result<Source, String> {
        let name = self.name.trim().to_string();
        if !valid_name(&name) {
            return Err(format!(
                "source name `{}` must be non-empty and use only letters, digits, '-' and '_'",
                self.name
            ));
        }
        let ctx = |msg: String| format!("source `{name}`: {msg}");
        let plugin = if BUILTIN_PLUGINS.contains(&self.plugin.as_str()) {
            PluginRef::Builtin(self.plugin.clone())
        } else if self.plugin.ends_with(".wasm") {
            // Whether the file exists is this source's problem, found when it is loaded
            // (`sync`, `check`): commands about other sources or the database do not need it.
            PluginRef::File(base.join(&self.plugin))
        } else {
            return Err(ctx(format!(
                "plugin `{}` is neither a built-in plugin ({}) nor a path to a .wasm component",
                self.plugin,
                BUILTIN_PLUGINS.join(", ")
            )));
        };
        let schedule = self
            .schedule
            .map(|s| parse_duration(&s).map_err(|e| ctx(format!("schedule: {e}"))))
            .transpose()?;
        let interval = |value: Option<String>, key: &str, default: Duration| {
            value
                .map(|s| parse_duration(&s).map_err(|e| ctx(format!("{key}: {e}"))))
                .transpose()
                .map(|d| d.unwrap_or(default))
        };
        let full_every = interval(self.full_every, "full_every", DEFAULT_FULL_EVERY)?;
        // 0 is allowed here: sign-in activity read by every run.
        let sign_ins_every = match self.sign_ins_every.as_deref().map(str::trim) {
            Some("0" | "0s") => Duration::ZERO,
            _ => interval(
                self.sign_ins_every,
                "sign_ins_every",
                DEFAULT_SIGN_INS_EVERY,
            )?,
        };
        if let Some(hosts) = &self.allowed_hosts {
            for h in hosts {
                itam_runtime::policy::Origin::parse(h)
                    .map_err(|e| ctx(format!("allowed_hosts: {e}")))?;
            }
        }
        let credential_ref = self
            .credential
            .map(|c| c.reference(base).map_err(ctx))
            .transpose()?;
        let mut settings = Vec::new();
        for (key, value) in self.settings {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(ctx(format!(
                        "settings.{key} must be a string, number or boolean, not a {}",
                        other.type_str()
                    )));
                }
            };
            settings.push((key, value));
        }
        let limits = self.limits.resolve_over(runtime, "limits").map_err(ctx)?;
        Ok(Source {
            name,
            plugin,
            schedule,
            full_every,
            sign_ins_every,
            allowed_hosts: self.allowed_hosts,
            credential_ref,
            credential: None,
            settings,
            limits,
        })
    }
}

impl RawCredential {
    /// Validates the credential's syntax (nothing is read).
    fn reference(self, base: &Path) -> Result<CredentialRef, String> {
        if let Some(key) = self.service_account {
            if self.client_id.is_some()
                || self.client_secret.is_some()
                || self.certificate.is_some()
            {
                return Err("credential.service_account stands alone: its key file names the client; remove client_id, client_secret and certificate".into());
            }
            return Ok(CredentialRef {
                client_id: String::new(),
                auth: AuthRef::ServiceAccount(base.join(key.file)),
            });
        }
        let Some(client_id) = self.client_id else {
            return Err("credential needs client_id (the Application (client) ID of the app registration) with a client_secret or certificate, or a service_account = { file = \"key.json\" }".into());
        };
        if !is_guid(&client_id) {
            return Err(format!(
                "credential.client_id `{client_id}` is not a GUID; copy the Application (client) ID from the app registration's Overview page"
            ));
        }
        let fix = "write client_secret = { env = \"VAR\" }, client_secret = { file = \"path\" } or certificate = { file = \"app.pem\" }";
        if let Some(cert) = self.certificate {
            if self.client_secret.is_some() {
                return Err("credential has both client_secret and certificate; keep one".into());
            }
            let signing = match cert.algorithm.as_deref() {
                None => Signing::Ps256,
                Some(name) => Signing::parse(name).ok_or_else(|| {
                    format!("credential.certificate.algorithm `{name}` is not supported; use PS256 (default) or RS256")
                })?,
            };
            return Ok(CredentialRef {
                client_id,
                auth: AuthRef::Certificate {
                    path: base.join(&cert.file),
                    signing,
                },
            });
        }
        let reference = match self.client_secret {
            None => {
                return Err(format!(
                    "credential needs a client secret or a certificate; {fix}"
                ));
            }
            Some(toml::Value::String(_)) => {
                return Err(format!(
                    "credential.client_secret must not be written inline (it would end up in backups and version control); {fix}"
                ));
            }
            Some(value) => SecretRef::deserialize(value)
                .map_err(|e| format!("credential.client_secret: {e}; {fix}"))?,
        };
        let auth = match (reference.env, reference.file) {
            (Some(var), None) if !var.trim().is_empty() => AuthRef::SecretEnv(var),
            (None, Some(file)) => AuthRef::SecretFile(base.join(file)),
            _ => {
                return Err(format!(
                    "credential.client_secret needs exactly one of env or file; {fix}"
                ));
            }
        };
        Ok(CredentialRef { client_id, auth })
    }
}

/// Whether `name` is a valid source or webhook name: non-empty letters, digits, `-` and `_`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `[[source]] full_every` when not set: a full reconciliation read every week.
pub const DEFAULT_FULL_EVERY: Duration = Duration::from_secs(7 * 86400);
/// `[[source]] sign_ins_every` when not set: sign-in activity read in full once a day.
pub const DEFAULT_SIGN_INS_EVERY: Duration = Duration::from_secs(86400);

/// Parses durations like `90s`, `15m`, `6h`, `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write e.g. 90s, 15m, 6h or 1d"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("`{text}` has an unknown unit; use s, m, h or d")),
    };
    let seconds = n
        .checked_mul(factor)
        .filter(|s| *s <= 366 * 86400)
        .ok_or_else(|| format!("`{text}` is longer than a year"))?;
    if seconds == 0 {
        return Err(format!("`{text}` must be longer than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

/// Whether `s` is a GUID in the 8-4-4-4-12 hex form.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[store]
path = "inv.db"

[[source]]
name = "contoso"
plugin = "m365"
schedule = "6h"

[source.credential]
client_id = "00000000-0000-0000-0000-000000000001"
client_secret = { env = "CONTOSO_CLIENT_SECRET" }

[source.settings]
tenant_id = "contoso.onmicrosoft.com"
cloud = "global"
"#;

    fn env(name: &str) -> Option<String> {
        (name == "CONTOSO_CLIENT_SECRET").then(|| "s3cret\n".to_string())
    }

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/etc/itam"))
    }

    /// Parses `text` and resolves its first source's credential with [`env`].
    fn parse_resolved(text: &str) -> Result<Config, String> {
        let mut c = parse(text)?;
        c.sources[0] = c.sources[0]
            .with_credential_from(&env)
            .map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn parses_the_documented_example() {
        let c = parse_resolved(GOOD).unwrap();
        assert_eq!(c.store.sqlite_path(), Some(Path::new("/etc/itam/inv.db")));
        let s = &c.sources[0];
        assert_eq!(s.plugin, PluginRef::Builtin("m365".into()));
        assert_eq!(s.schedule, Some(Duration::from_secs(6 * 3600)));
        let cred = s.credential.as_ref().unwrap();
        let ClientAuth::Secret(secret) = &cred.auth else {
            panic!("a secret credential")
        };
        assert_eq!(secret.expose(), "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(
            s.settings
                .contains(&("tenant_id".into(), "contoso.onmicrosoft.com".into()))
        );
    }

    #[test]
    fn source_limits_override_the_runtime_defaults() {
        let text = format!(
            "[runtime]\nmemory_limit_mb = 128\nmax_output_mb = 100\n{}\n[source.limits]\nmax_response_mb = 0.5\nrun_timeout = \"5m\"\n",
            GOOD.replace("[runtime]", "")
        );
        let c = parse(&text).unwrap();
        let l = &c.sources[0].limits;
        assert_eq!(l.memory_bytes, 128 << 20, "inherited from [runtime]");
        assert_eq!(l.max_output_bytes, 100 << 20, "inherited from [runtime]");
        assert_eq!(l.max_response_bytes, 512 << 10, "set for the source");
        assert_eq!(
            l.run_timeout,
            Duration::from_secs(300),
            "set for the source"
        );
        assert_eq!(
            c.limits.max_response_bytes,
            Limits::default().max_response_bytes
        );
        assert_eq!(mib(512 << 10), "0.5 MiB");
        assert_eq!(mib(32 << 20), "32 MiB");

        let bad = format!("{GOOD}\n[source.limits]\nmax_response_mb = 0\n");
        let e = parse(&bad).unwrap_err();
        assert!(
            e.contains("limits.max_response_mb = 0 is out of range"),
            "{e}"
        );
        let bad = format!("{GOOD}\n[source.limits]\nmemory = 5\n");
        assert!(parse(&bad).unwrap_err().contains("unknown field `memory`"));
    }

    #[test]
    fn rejects_what_would_go_wrong_later() {
        let cases = [
            (GOOD.replace("[store]", "[stor]"), "unknown field `stor`"),
            (
                GOOD.replace("schedule = \"6h\"", "schedul = \"6h\""),
                "unknown field `schedul`",
            ),
            (
                GOOD.replace("{ env = \"CONTOSO_CLIENT_SECRET\" }", "\"inline\""),
                "must not be written inline",
            ),
            (
                GOOD.replace("00000000-0000-0000-0000-000000000001", "my-app"),
                "is not a GUID",
            ),
            (GOOD.replace("\"6h\"", "\"6 hours\""), "unknown unit"),
            (
                GOOD.replace("\"m365\"", "\"m356\""),
                "neither a built-in plugin",
            ),
            (
                format!("{GOOD}\n[[source]]\nname = \"contoso\"\nplugin = \"m365\"\n"),
                "two sources are named",
            ),
        ];
        for (text, needle) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.contains(needle), "{err} !~ {needle}");
        }
    }

    #[test]
    fn credentials_are_references_until_resolved() {
        let missing_var = GOOD.replace("CONTOSO_CLIENT_SECRET", "MISSING_VAR");
        let missing_file = GOOD.replace(
            "{ env = \"CONTOSO_CLIENT_SECRET\" }",
            "{ file = \"/nonexistent/secret\" }",
        );
        let missing_cert = GOOD.replace(
            "client_secret = { env = \"CONTOSO_CLIENT_SECRET\" }",
            "certificate = { file = \"/nonexistent/app.pem\" }",
        );
        let missing_plugin = GOOD.replace("\"m365\"", "\"./missing.wasm\"");
        for text in [&missing_var, &missing_file, &missing_cert, &missing_plugin] {
            let c = parse(text).expect("loading reads no secret, certificate or plugin");
            assert!(c.sources[0].credential.is_none());
            assert!(c.sources[0].has_credential());
        }
        let cases = [
            (
                missing_var,
                "MISSING_VAR, which is not set",
                "export MISSING_VAR",
            ),
            (missing_file, "cannot be read", "write the client secret"),
            (missing_cert, "credential.certificate", "PEM file"),
        ];
        for (text, needle, fix) in cases {
            let err = parse_resolved(&text).unwrap_err();
            assert!(err.contains("source `contoso`"), "{err}");
            assert!(err.contains(needle), "{err} !~ {needle}");
            assert!(err.contains(fix), "{err} !~ {fix}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86400)));
        assert!(parse_duration("0m").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("99999999999999999d").is_err());
    }
}
