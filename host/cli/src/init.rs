//! `itam init`: writes a configuration from prompts or flags, validating every answer, never
//! writing a secret inline; optionally generates the app's certificate.

use crate::error::config_error;
use anyhow::{Context, Result};
use itam_runtime::contract::types::{CredentialKind, Descriptor};
use itam_runtime::credentials::certificate::Signing;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where the credential comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialChoice {
    /// A client secret in this environment variable.
    SecretEnv(String),
    /// A client secret in this file (written with mode 0600 if the value is given).
    SecretFile(PathBuf, Option<String>),
    /// An existing PEM file with certificate and key.
    Certificate(PathBuf),
    /// A certificate to generate.
    GenerateCertificate,
}

/// Everything `init` needs.
#[derive(Debug, Clone)]
pub struct InitAnswers {
    /// Source name.
    pub name: String,
    /// The plugin: a built-in name or a `.wasm` path, as written in the configuration.
    pub plugin: String,
    /// The plugin's settings, in the order it declares them.
    pub settings: Vec<(String, String)>,
    /// The client ID, when the plugin needs a credential.
    pub client_id: Option<String>,
    /// The credential, when the plugin needs one.
    pub credential: Option<CredentialChoice>,
}

/// Reads answers line by line from a terminal or a pipe.
pub struct Prompter<'a> {
    input: &'a mut dyn BufRead,
    output: &'a mut dyn Write,
}

impl<'a> Prompter<'a> {
    /// Prompts on `output`, reads from `input`.
    pub fn new(input: &'a mut dyn BufRead, output: &'a mut dyn Write) -> Self {
        Prompter { input, output }
    }

    /// Asks until `check` accepts the answer (or the default, when the answer is empty).
    pub fn ask(
        &mut self,
        question: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String> {
        loop {
            match default {
                Some(d) => write!(self.output, "{question} [{d}]: ")?,
                None => write!(self.output, "{question}: ")?,
            }
            self.output.flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                return Err(config_error(format!(
                    "no answer to \"{question}\" (input ended)"
                )));
            }
            let answer = match line.trim() {
                "" => default.unwrap_or("").to_string(),
                a => a.to_string(),
            };
            match check(&answer) {
                Ok(()) => return Ok(answer),
                Err(why) => writeln!(self.output, "  {why}")?,
            }
        }
    }
}

impl Prompter<'_> {
    /// Writes a line to the person answering.
    pub fn say(&mut self, line: &str) -> Result<()> {
        writeln!(self.output, "{line}")?;
        Ok(())
    }

    /// Like [`Prompter::ask`], without echoing the answer when reading from a terminal.
    pub fn ask_secret(
        &mut self,
        question: &str,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String> {
        if !std::io::stdin().is_terminal() {
            return self.ask(question, None, check);
        }
        loop {
            let answer = rpassword::prompt_password(format!("{question} (not shown): "))?;
            match check(answer.trim()) {
                Ok(()) => return Ok(answer.trim().to_string()),
                Err(why) => writeln!(self.output, "  {why}")?,
            }
        }
    }
}

fn any(_: &str) -> Result<(), String> {
    Ok(())
}

/// What the plugin declares and how its answers are checked: its descriptor, and its own
/// `plan`, which every setting goes through.
pub struct Guide<'a> {
    /// The plugin.
    pub plugin: &'a itam_runtime::Plugin,
    /// What it declares.
    pub descriptor: &'a Descriptor,
    /// How the client ID is asked for and checked.
    pub client_id: crate::plugins::ClientIdHint,
}

impl Guide<'_> {
    /// The plugin's refusal of `settings` when it is about setting `name` (so that answer is
    /// to be given again), as `message; fix`, escaped for the terminal.
    async fn refusal(&self, settings: &[(String, String)], name: &str) -> Result<Option<String>> {
        let plan = self.plugin.plan(settings, &Default::default()).await?;
        let Err(e) = plan else {
            return Ok(None);
        };
        let (_, f) = itam_runtime::split_error(&e);
        let about = |text: &str| text.contains(&format!("`{name}")) || text.contains(name);
        if !about(&f.message) && !f.fix.as_deref().is_some_and(about) {
            return Ok(None);
        }
        let fix = f
            .fix
            .as_deref()
            .map(|x| format!("; {x}"))
            .unwrap_or_default();
        Ok(Some(
            crate::display::text(&format!("{}{fix}", f.message)).into_owned(),
        ))
    }

    /// Whether the plugin needs a credential.
    pub fn needs_credential(&self) -> bool {
        self.descriptor.credential != CredentialKind::None
    }

    /// The flags still missing for a run without prompts.
    pub fn missing(&self, answers: &PartialAnswers) -> Vec<String> {
        let mut missing: Vec<String> = self
            .descriptor
            .settings
            .iter()
            .filter(|s| s.required && !answers.has_setting(&s.name))
            .map(|s| match crate::plugins::setting_flag(&s.name) {
                Some(flag) => flag.to_string(),
                None => format!("--setting {}=…", s.name),
            })
            .collect();
        if self.needs_credential() {
            if answers.client_id.is_none() {
                missing.push("--client-id".into());
            }
            if answers.credential.is_none() {
                missing.push(
                    "one of --secret-env, --secret-file, --certificate, --generate-certificate"
                        .into(),
                );
            }
        }
        missing
    }

    /// Checks the values given as flags: each setting through the plugin's `plan`, the client
    /// ID by the built-in plugin's rule.
    pub async fn validate(&self, answers: &PartialAnswers) -> Result<()> {
        for (name, value) in &answers.settings {
            if let Some(why) = self.refusal(&answers.settings, name).await? {
                let flag = crate::plugins::setting_flag(name)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("--setting {name}"));
                return Err(config_error(format!(
                    "{flag} `{}`: {why}",
                    crate::display::text(value)
                )));
            }
        }
        if let Some(c) = &answers.client_id {
            (self.client_id.check)(c).map_err(|e| {
                config_error(format!("--client-id `{}`: {e}", crate::display::text(c)))
            })?;
        }
        Ok(())
    }

    /// Fills in what the flags left open by asking: every required setting the plugin declares
    /// (its description is the question, the plugin's `plan` checks the answer), then the
    /// credential if the plugin needs one.
    pub async fn complete(
        &self,
        mut answers: PartialAnswers,
        prompt: &mut Prompter<'_>,
    ) -> Result<InitAnswers> {
        for spec in &self.descriptor.settings {
            if !spec.required || answers.has_setting(&spec.name) {
                continue;
            }
            let question = crate::display::text(&spec.description).into_owned();
            loop {
                let answer = prompt.ask(&question, spec.default_value.as_deref(), &|a| {
                    if a.is_empty() {
                        Err("an answer is required".into())
                    } else {
                        Ok(())
                    }
                })?;
                let mut trial = answers.settings.clone();
                trial.push((spec.name.clone(), answer));
                match self.refusal(&trial, &spec.name).await? {
                    Some(why) => prompt.say(&format!("  {why}"))?,
                    None => {
                        answers.settings = trial;
                        break;
                    }
                }
            }
        }
        // The settings in the order the plugin declares them.
        let order = |name: &str| {
            self.descriptor
                .settings
                .iter()
                .position(|s| s.name == name)
                .unwrap_or(usize::MAX)
        };
        answers.settings.sort_by_key(|(name, _)| order(name));
        let (client_id, credential) = if self.needs_credential() {
            let client_id = match answers.client_id.take() {
                Some(c) => c,
                None => prompt.ask(self.client_id.question, None, &self.client_id.check)?,
            };
            let credential = match answers.credential.take() {
                Some(c) => c,
                None => ask_credential(prompt)?,
            };
            (Some(client_id), Some(credential))
        } else {
            (None, None)
        };
        Ok(InitAnswers {
            name: answers.name.unwrap_or_else(|| self.descriptor.name.clone()),
            plugin: answers.plugin,
            settings: answers.settings,
            client_id,
            credential,
        })
    }
}

/// Asks where the client secret or certificate comes from.
fn ask_credential(prompt: &mut Prompter<'_>) -> Result<CredentialChoice> {
    let choice = prompt.ask(
        "Credential: 1) client secret in an environment variable  2) client secret in a file  3) certificate file  4) generate a certificate",
        Some("4"),
        &|a| if ["1", "2", "3", "4"].contains(&a) { Ok(()) } else { Err("answer 1, 2, 3 or 4".into()) },
    )?;
    Ok(match choice.as_str() {
        "1" => CredentialChoice::SecretEnv(prompt.ask(
            "Environment variable holding the secret",
            Some("ITAM_CLIENT_SECRET"),
            &|a| {
                if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    Ok(())
                } else {
                    Err("use letters, digits and _".into())
                }
            },
        )?),
        "2" => {
            let path = prompt.ask(
                "File to keep the secret in (written with mode 600)",
                Some("itam.secret"),
                &any,
            )?;
            let value = prompt.ask_secret(
                "Client secret value (the Value column, not the Secret ID)",
                &|a| {
                    if a.len() >= 8 {
                        Ok(())
                    } else {
                        Err("that is too short to be a client secret value".into())
                    }
                },
            )?;
            CredentialChoice::SecretFile(path.into(), Some(value))
        }
        "3" => CredentialChoice::Certificate(
            prompt
                .ask(
                    "PEM file with the certificate and its private key",
                    Some("app.pem"),
                    &any,
                )?
                .into(),
        ),
        _ => CredentialChoice::GenerateCertificate,
    })
}

/// What the flags gave.
#[derive(Debug, Clone, Default)]
pub struct PartialAnswers {
    /// `--name`.
    pub name: Option<String>,
    /// `--plugin` (a built-in name or a path).
    pub plugin: String,
    /// `--setting NAME=VALUE` and the built-in plugin's shorthands (`--tenant-id`, …).
    pub settings: Vec<(String, String)>,
    /// `--client-id`.
    pub client_id: Option<String>,
    /// The credential flags.
    pub credential: Option<CredentialChoice>,
}

impl PartialAnswers {
    /// Whether setting `name` was given.
    pub fn has_setting(&self, name: &str) -> bool {
        self.settings.iter().any(|(n, _)| n == name)
    }
}

/// Writes a file only its owner can read: a new temporary file (mode 600 from the start) is
/// renamed over `path`, so an existing file's looser mode or a symlink there is not inherited.
fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    file.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Generates an RSA key and a self-signed certificate valid for `days`; writes `<stem>.pem`
/// (certificate and key, mode 0600) and `<stem>.crt` (certificate only, to upload).
///
/// An existing `<stem>.pem` is replaced only with `new_key`: its certificate may be the one the
/// app registration trusts, and replacing it stops sign-in until the new one is uploaded.
pub fn generate_certificate(
    dir: &Path,
    stem: &str,
    days: i64,
    new_key: bool,
) -> Result<(PathBuf, PathBuf)> {
    let existing = dir.join(format!("{stem}.pem"));
    if existing.exists() && !new_key {
        return Err(config_error(format!(
            "{} already exists and may hold the key of a certificate the app registration trusts; replacing it stops collection until the new {stem}.crt is uploaded; pass --new-key to replace it anyway",
            existing.display()
        )));
    }
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let key =
        rsa::RsaPrivateKey::new(&mut rand_core_06::OsRng, 3072).context("generating an RSA key")?;
    let key_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the key")?
        .to_string();
    let key_pair = rcgen::KeyPair::from_pem(&key_pem).context("reading the generated key")?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ITAM collector");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(days);
    let cert = params.self_signed(&key_pair)?;
    let pem_path = dir.join(format!("{stem}.pem"));
    let crt_path = dir.join(format!("{stem}.crt"));
    write_private(&pem_path, format!("{}{}", cert.pem(), key_pem).as_bytes())?;
    std::fs::write(&crt_path, cert.pem())
        .with_context(|| format!("writing {}", crt_path.display()))?;
    Ok((pem_path, crt_path))
}

/// The `[source.credential]` line for `choice`.
fn credential_line(choice: &CredentialChoice) -> String {
    match choice {
        CredentialChoice::SecretEnv(var) => format!("client_secret = {{ env = \"{var}\" }}"),
        CredentialChoice::SecretFile(path, _) => {
            format!("client_secret = {{ file = \"{}\" }}", path.display())
        }
        CredentialChoice::Certificate(path) => {
            format!("certificate = {{ file = \"{}\" }}", path.display())
        }
        CredentialChoice::GenerateCertificate => "certificate = { file = \"itam-app.pem\" }".into(),
    }
}

/// A TOML string literal: quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The configuration file's text for `answers`.
pub fn config_text(answers: &InitAnswers) -> String {
    let mut text = format!(
        "# Written by `itam init`. See README.md, Configuration.\n\n[store]\npath = \"itam.db\"\n\n[[source]]\nname = {}\nplugin = {}\nschedule = \"6h\"\n",
        quoted(&answers.name),
        quoted(&answers.plugin)
    );
    if let (Some(client_id), Some(credential)) = (&answers.client_id, &answers.credential) {
        text.push_str(&format!(
            "\n[source.credential]\nclient_id = {}\n{}\n",
            quoted(client_id),
            credential_line(credential)
        ));
    }
    text.push_str("\n[source.settings]\n");
    for (name, value) in &answers.settings {
        text.push_str(&format!("{name} = {}\n", quoted(value)));
    }
    text
}

/// Checks the answers with the code every later command uses: the configuration loader, and
/// the plugin's own validation of its settings (`plan`). The credential itself is checked as
/// far as it exists yet: a secret file or certificate named must load; an environment variable
/// may still be unset, and a certificate to generate does not exist yet.
pub async fn validate(
    config_path: &Path,
    answers: &InitAnswers,
    runtime: &itam_runtime::Runtime,
) -> Result<()> {
    let dir = config_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let refused = |e: String| {
        config_error(format!(
            "these answers would give a configuration that itam refuses: {e}"
        ))
    };
    let config = crate::config::Config::parse(&config_text(answers), dir).map_err(refused)?;
    // A secret file or certificate named must load now, with the code `sync` reads it with;
    // an environment variable may be set later, and a certificate to generate or a secret
    // typed at the prompt is written only after this check.
    let readable_now = matches!(
        answers.credential,
        Some(CredentialChoice::SecretFile(_, None) | CredentialChoice::Certificate(_))
    );
    for source in &config.sources {
        let source = if readable_now {
            source
                .with_credential_from(&|_| None)
                .map_err(|e| refused(e.to_string()))?
        } else {
            source.clone()
        };
        crate::sync::prepare(runtime, &source, &source.limits)
            .await
            .map_err(|e| refused(format!("{e:#}")))?;
    }
    Ok(())
}

/// Writes the config (and a secret file or certificate as chosen) and returns what to tell the
/// operator. `new_key` allows replacing an existing generated key.
pub fn write(config_path: &Path, answers: &InitAnswers, new_key: bool) -> Result<Vec<String>> {
    let dir = config_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut notes = Vec::new();
    match &answers.credential {
        Some(CredentialChoice::SecretEnv(var)) => {
            notes.push(format!(
                "export {var}=<the client secret's Value> before running itam"
            ));
        }
        Some(CredentialChoice::SecretFile(path, Some(value))) => {
            write_private(&dir.join(path), format!("{value}\n").as_bytes())?;
            notes.push(format!(
                "wrote the secret to {} (mode 600)",
                dir.join(path).display()
            ));
        }
        Some(CredentialChoice::GenerateCertificate)
            if dir.join("itam-app.pem").exists() && !new_key =>
        {
            // A key already made (perhaps already trusted by the app registration) is kept.
            itam_runtime::credentials::certificate::ClientCertificate::load(&dir.join("itam-app.pem"), Signing::Ps256)
                .map_err(|e| {
                    config_error(format!(
                        "{} exists but cannot be used ({e}); pass --new-key to replace it with a new key and certificate",
                        dir.join("itam-app.pem").display()
                    ))
                })?;
            notes.push(format!(
                "kept the existing {} (its certificate may already be uploaded; --new-key replaces it, which stops collection until the new certificate is uploaded)",
                dir.join("itam-app.pem").display()
            ));
        }
        Some(CredentialChoice::GenerateCertificate) => {
            let (pem, crt) = generate_certificate(dir, "itam-app", 365, new_key)?;
            notes.push(format!(
                "generated {} (certificate and private key, mode 600; keep it here) and {}",
                pem.display(),
                crt.display()
            ));
            notes.push(format!(
                "upload {} under Certificates & secrets → Certificates → Upload certificate in the app registration",
                crt.display()
            ));
        }
        _ => {}
    }
    write_private(config_path, config_text(answers).as_bytes())?;
    notes.insert(0, format!("wrote {}", config_path.display()));
    Ok(notes)
}

/// Whether to prompt: only when stdin is a terminal (or prompting is forced).
pub fn interactive(force: bool) -> bool {
    force || std::io::stdin().is_terminal()
}
