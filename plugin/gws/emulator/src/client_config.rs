//! A ready `itam.toml` and service-account key file for the emulated customer, for the
//! end-to-end tests and the demo.

use crate::Tenant;
use std::path::{Path, PathBuf};

/// The key file's name beside `itam.toml`.
pub const KEY_FILE: &str = "acme-sa.json";

/// The text of an `itam.toml` with one Google Workspace source named `acme` for `tenant`,
/// served at `url`, whose key is in [`KEY_FILE`] beside it and whose store is `itam.db`.
pub fn itam_toml(tenant: &Tenant, url: &str) -> String {
    format!(
        r#"[store]
path = "itam.db"

[[source]]
name = "acme"
plugin = "gws"
[source.credential]
service_account = {{ file = "{KEY_FILE}" }}
[source.settings]
admin_email = "{admin}"
customer_id = "my_customer"
token_url = "{url}/token"
api_url = "{url}"
"#,
        admin = tenant.admin_email(),
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

/// Writes `dir/acme-sa.json` (the key file, mode 600) and `dir/itam.toml` (see [`itam_toml`]);
/// returns the path of `itam.toml`.
pub fn write_itam_config(dir: &Path, tenant: &Tenant, url: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    write_private(&dir.join(KEY_FILE), &tenant.service_account.key_file_json())?;
    let path = dir.join("itam.toml");
    write_private(&path, &itam_toml(tenant, url))?;
    Ok(path)
}
