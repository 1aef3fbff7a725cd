//! `itam check`: diagnoses each source step by step, with a fix for every failure.

use super::*;

/// Checks the sources (or one) and prints the steps; see [`check_exit`] for the exit code.
pub(super) async fn check(
    config_path: &Path,
    source: Option<&str>,
    format: Option<crate::check::CheckFormat>,
    out: &mut dyn Write,
) -> Result<i32> {
    let config = load_config(config_path)?;
    let runtime = runtime()?.with_network(config.network.clone());
    let mut checks = Vec::new();
    for s in config.select(source)? {
        checks.push(crate::check::check_source(&runtime, s).await);
    }
    let format = format.unwrap_or_else(|| default_format(None).into());
    crate::check::render(out, &checks, format)?;
    Ok(check_exit(&checks))
}

/// `itam check`'s exit code: 0 when collection will work for every source, 3 when a step of
/// some source failed (its configuration, its credential or a request). An invalid
/// configuration file or an unknown `--source` never gets here: those exit 2 as in every
/// command.
pub(super) fn check_exit(checks: &[crate::check::SourceCheck]) -> i32 {
    if checks.iter().all(|c| c.ok) {
        Exit::Success.code()
    } else {
        Exit::Blocked.code()
    }
}
