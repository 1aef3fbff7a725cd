//! TLS to the database through rustls: the system's web PKI roots, plus the CA of
//! `[store] ca_file` for a server with a certificate of a private authority. Whether TLS is
//! used follows the URL's `sslmode` (`disable`, `prefer`, the default, or `require`); with TLS,
//! the server's certificate is always verified.

use super::Options;
use anyhow::{Context, Result};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The connector for `options`.
pub(crate) fn connector(options: &Options) -> Result<MakeRustlsConnect> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = &options.ca_file {
        use rustls_pki_types::pem::PemObject;
        let certificates = rustls_pki_types::CertificateDer::pem_file_iter(file)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                itam_runtime::error::config_error(format!(
                    "cannot read the database's CA certificate {} ([store] ca_file): {e}",
                    file.display()
                ))
            })?;
        for certificate in certificates {
            roots
                .add(certificate)
                .with_context(|| format!("adding the CA certificate {}", file.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
