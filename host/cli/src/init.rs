//! `itam init`: writes a configuration from prompts or flags, validating every answer, never
//! writing a secret inline; optionally generates the app's certificate.

use crate::config::is_guid;
use crate::error::config_error;
use anyhow::{Context, Result};
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
    /// Tenant GUID or domain.
    pub tenant_id: String,
    /// Application (client) ID.
    pub client_id: String,
    /// Cloud.
    pub cloud: String,
    /// The credential.
    pub credential: CredentialChoice,
    /// Optional authority root override.
    pub login_url: Option<String>,
    /// Optional Graph root override.
    pub graph_url: Option<String>,
}

/// Validates a tenant: a GUID or a domain name.
pub fn valid_tenant(text: &str) -> Result<(), String> {
    let domain = text.contains('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if is_guid(text) || domain {
        Ok(())
    } else {
        Err("enter the Directory (tenant) ID (a GUID) or a verified domain such as contoso.onmicrosoft.com".into())
    }
}

/// Validates a client ID: a GUID.
pub fn valid_client(text: &str) -> Result<(), String> {
    if is_guid(text) {
        Ok(())
    } else {
        Err(
            "enter the Application (client) ID, a GUID from the app registration's Overview page"
                .into(),
        )
    }
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

/// Fills in what the flags left open by asking.
pub fn complete(mut answers: PartialAnswers, prompt: &mut Prompter<'_>) -> Result<InitAnswers> {
    let tenant_id = match answers.tenant_id.take() {
        Some(t) => t,
        None => prompt.ask(
            "Directory (tenant) ID or verified domain",
            None,
            &valid_tenant,
        )?,
    };
    let client_id = match answers.client_id.take() {
        Some(c) => c,
        None => prompt.ask("Application (client) ID", None, &valid_client)?,
    };
    let credential = match answers.credential.take() {
        Some(c) => c,
        None => {
            let choice = prompt.ask(
                "Credential: 1) client secret in an environment variable  2) client secret in a file  3) certificate file  4) generate a certificate",
                Some("4"),
                &|a| if ["1", "2", "3", "4"].contains(&a) { Ok(()) } else { Err("answer 1, 2, 3 or 4".into()) },
            )?;
            match choice.as_str() {
                "1" => CredentialChoice::SecretEnv(prompt.ask(
                    "Environment variable holding the secret",
                    Some("ITAM_CLIENT_SECRET"),
                    &|a| {
                        if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
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
            }
        }
    };
    Ok(InitAnswers {
        name: answers.name.unwrap_or_else(|| "m365".into()),
        tenant_id,
        client_id,
        cloud: answers.cloud.unwrap_or_else(|| "global".into()),
        credential,
        login_url: answers.login_url,
        graph_url: answers.graph_url,
    })
}

/// What the flags gave.
#[derive(Debug, Clone, Default)]
pub struct PartialAnswers {
    /// `--name`.
    pub name: Option<String>,
    /// `--tenant-id`.
    pub tenant_id: Option<String>,
    /// `--client-id`.
    pub client_id: Option<String>,
    /// `--cloud`.
    pub cloud: Option<String>,
    /// The credential flags.
    pub credential: Option<CredentialChoice>,
    /// `--login-url`.
    pub login_url: Option<String>,
    /// `--graph-url`.
    pub graph_url: Option<String>,
}

impl PartialAnswers {
    /// Checks the values given as flags.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = &self.tenant_id {
            valid_tenant(t).map_err(|e| config_error(format!("--tenant-id `{t}`: {e}")))?;
        }
        if let Some(c) = &self.client_id {
            valid_client(c).map_err(|e| config_error(format!("--client-id `{c}`: {e}")))?;
        }
        if let Some(c) = &self.cloud
            && !["global", "us-gov", "us-gov-dod", "china"].contains(&c.as_str())
        {
            return Err(config_error(format!(
                "--cloud `{c}`: use global, us-gov, us-gov-dod or china"
            )));
        }
        Ok(())
    }

    /// Whether nothing is left to ask.
    pub fn is_complete(&self) -> bool {
        self.tenant_id.is_some() && self.client_id.is_some() && self.credential.is_some()
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

/// The configuration file's text for `answers`.
pub fn config_text(answers: &InitAnswers) -> String {
    let mut settings = format!(
        "tenant_id = \"{}\"\ncloud = \"{}\"\n",
        answers.tenant_id, answers.cloud
    );
    if let Some(u) = &answers.login_url {
        settings.push_str(&format!("login_url = \"{u}\"\n"));
    }
    if let Some(u) = &answers.graph_url {
        settings.push_str(&format!("graph_url = \"{u}\"\n"));
    }
    format!(
        "# Written by `itam init`. See README.md, Configuration.\n\n[store]\npath = \"itam.db\"\n\n[[source]]\nname = \"{}\"\nplugin = \"m365\"\nschedule = \"6h\"\n\n[source.credential]\nclient_id = \"{}\"\n{}\n\n[source.settings]\n{settings}",
        answers.name,
        answers.client_id,
        credential_line(&answers.credential)
    )
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
        CredentialChoice::SecretFile(_, None) | CredentialChoice::Certificate(_)
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
        CredentialChoice::SecretEnv(var) => {
            notes.push(format!(
                "export {var}=<the client secret's Value> before running itam"
            ));
        }
        CredentialChoice::SecretFile(path, Some(value)) => {
            write_private(&dir.join(path), format!("{value}\n").as_bytes())?;
            notes.push(format!(
                "wrote the secret to {} (mode 600)",
                dir.join(path).display()
            ));
        }
        CredentialChoice::GenerateCertificate if dir.join("itam-app.pem").exists() && !new_key => {
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
        CredentialChoice::GenerateCertificate => {
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
