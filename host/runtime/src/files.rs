//! Reading the operator's files (configuration, secrets, certificates, CA bundles, plugins)
//! with a size cap, so a wrong path such as `/dev/zero` or a huge log file fails with a clear
//! error instead of exhausting memory.

use std::io::Read;
use std::path::Path;

/// The configuration file.
pub const MAX_CONFIG: u64 = 1 << 20;
/// A client-secret file (secrets are tens of characters).
pub const MAX_SECRET: u64 = 64 << 10;
/// A PEM file with a certificate and its key.
pub const MAX_CERTIFICATE: u64 = 1 << 20;
/// A PEM bundle of extra CAs (the whole Mozilla bundle is about 220 KB).
pub const MAX_CA_BUNDLE: u64 = 16 << 20;
/// A plugin component.
pub const MAX_PLUGIN: u64 = 256 << 20;

/// Reads `path` whole, failing if it holds more than `max` bytes.
pub fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "it is larger than {}, far more than such a file holds; check the path",
            size(max)
        )));
    }
    Ok(bytes)
}

/// Reads `path` whole as UTF-8 text, failing if it holds more than `max` bytes.
pub fn read_text_capped(path: &Path, max: u64) -> std::io::Result<String> {
    String::from_utf8(read_capped(path, max)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// Warns when users other than the owner may read `path`: a secret file must be private, and
/// the configuration decides where secrets come from.
pub fn warn_if_readable_by_others(path: &Path, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "the {what} {} is readable by other users (mode {:o}); run chmod 600 on it",
                path.display(),
                meta.permissions().mode() & 0o777
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_within_the_cap_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.txt");
        std::fs::write(&path, "s3cr3t\n").unwrap();
        assert_eq!(read_text_capped(&path, 7).unwrap(), "s3cr3t\n");
    }

    #[test]
    fn a_larger_file_is_refused_with_the_cap_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'x'; (MAX_SECRET + 1) as usize]).unwrap();
        let error = read_text_capped(&path, MAX_SECRET).unwrap_err();
        assert!(error.to_string().contains("larger than 64 KiB"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused() {
        let error = read_capped(Path::new("/dev/zero"), MAX_CA_BUNDLE).unwrap_err();
        assert!(error.to_string().contains("larger than 16 MiB"), "{error}");
    }
}
