//! `itam init`: writes a configuration from the plugin's declarations, by prompts or flags.

use super::*;

/// The switches of `itam init`.
pub(super) struct InitFlags {
    /// Overwrite an existing configuration.
    pub(super) force: bool,
    /// Replace an existing generated key.
    pub(super) new_key: bool,
    /// Prompt even when stdin is not a terminal.
    pub(super) interactive: bool,
    /// Run `itam check` afterwards.
    pub(super) check: bool,
}

pub(super) async fn init(
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
        CredentialChoice, Guide, Prompter, generate_certificate, interactive, write,
    };
    let prompting = interactive(force_prompts);
    let dir = config_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // `itam init --generate-certificate` alone: just the certificate, to upload first.
    if partial.credential == Some(CredentialChoice::GenerateCertificate)
        && partial.settings.is_empty()
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
    let runtime = runtime()?;
    let reference = crate::plugins::parse_ref(&partial.plugin);
    let limits = crate::config::Limits::default();
    let plugin = crate::plugins::load(&runtime, &reference, &limits)
        .map_err(|e| config_error(format!("--plugin {}: {e:#}", partial.plugin)))?;
    let descriptor = plugin.describe(&limits).await?;
    if descriptor.credential == itam_runtime::contract::types::CredentialKind::Oauth2JwtBearer {
        return Err(config_error(format!(
            "itam init sets up sources with an app registration's client ID and secret or certificate; the {} plugin needs a service account key, so write its [[source]] by hand: plugin = \"{}\", [source.credential] service_account = {{ file = \"key.json\" }} and its settings (README.md, \"Google Workspace service account\")",
            descriptor.name, partial.plugin
        )));
    }
    let guide = Guide {
        plugin: &plugin,
        descriptor: &descriptor,
        client_id: crate::plugins::client_id_hint(&reference),
    };
    guide.validate(&partial).await?;
    let missing = guide.missing(&partial);
    if !missing.is_empty() && !prompting {
        return Err(config_error(format!(
            "not a terminal, so nothing can be asked: pass {} (or --interactive)",
            missing.join(", ")
        )));
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut prompt_out = std::io::stderr();
    let mut prompter = Prompter::new(&mut input, &mut prompt_out);
    let answers = guide.complete(partial, &mut prompter).await?;
    crate::init::validate(config_path, &answers, &runtime).await?;
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
    let runtime = runtime.with_network(config.network.clone());
    let mut checks = Vec::new();
    for s in config.select(None)? {
        checks.push(crate::check::check_source(&runtime, s).await);
    }
    crate::check::render(out, &checks, Format::Table)?;
    Ok(super::check::check_exit(&checks))
}
