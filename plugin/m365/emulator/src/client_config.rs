//! A ready `itam.toml` for the emulated tenant, for the end-to-end tests and the benchmark.

use crate::Tenant;
use std::path::Path;

/// The text of an `itam.toml` with one Microsoft 365 source named `source` for `tenant`, served
/// at `url`, whose client secret is in `secret.txt` beside it and whose store is `itam.db`
/// beside it; `runtime` is TOML for the `[runtime]` table (may be empty).
pub fn itam_toml(tenant: &Tenant, source: &str, url: &str, runtime: &str) -> String {
    format!(
        r#"[runtime]
{runtime}

[store]
path = "itam.db"

[[source]]
name = "{source}"
plugin = "m365"

[source.credential]
client_id = "{client}"
client_secret = {{ file = "secret.txt" }}

[source.settings]
tenant_id = "{tenant_id}"
login_url = "{url}"
graph_url = "{url}"
"#,
        client = tenant.client_id,
        tenant_id = tenant.tenant_id,
    )
}

/// Writes `text` to `path`, readable by its owner only (as `itam` expects of secrets).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())?;
    // The mode above applies only to a new file.
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(())
}

/// Writes `dir/itam.toml` (see [`itam_toml`]) and `dir/secret.txt` with `secret`.
pub fn write_itam_config(
    dir: &Path,
    tenant: &Tenant,
    url: &str,
    secret: &str,
    runtime: &str,
) -> std::io::Result<std::path::PathBuf> {
    write_private(&dir.join("secret.txt"), &format!("{secret}\n"))?;
    let path = dir.join("itam.toml");
    write_private(&path, &itam_toml(tenant, "contoso", url, runtime))?;
    Ok(path)
}
