//! HTTPS: a listener that completes each TLS handshake (rustls) before handing the connection
//! to the server. Handshakes run side by side, each with a deadline, so a client that stalls
//! mid-handshake holds neither the listener nor anyone else's connection.

use anyhow::{Context, Result};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client has to complete its handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);

/// Handshaken connections waiting for the server, at most.
const READY_QUEUE: usize = 64;

/// A TCP listener that speaks TLS.
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, std::net::SocketAddr)>,
    local: std::net::SocketAddr,
}

impl TlsListener {
    /// Serves TLS on `tcp` with the certificate chain and key in the PEM files `certificate`
    /// and `key`. Errors say which file is wrong (they never quote the key).
    pub fn new(tcp: TcpListener, certificate: &Path, key: &Path) -> Result<TlsListener> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
            .and_then(|certs| certs.collect())
            .map_err(|e| {
                crate::error::config_error(format!(
                    "[serve] tls_certificate {} cannot be read as PEM certificates: {e}",
                    certificate.display()
                ))
            })?;
        if chain.is_empty() {
            return Err(crate::error::config_error(format!(
                "[serve] tls_certificate {} holds no CERTIFICATE",
                certificate.display()
            )));
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|_| {
            crate::error::config_error(format!(
                "[serve] tls_key {} holds no private key in PEM (PKCS#8, PKCS#1 or SEC1)",
                key.display()
            ))
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                crate::error::config_error(format!(
                    "[serve] tls_certificate and tls_key do not make a usable pair: {e}"
                ))
            })?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let local = tcp.local_addr()?;
        let (sender, ready) = tokio::sync::mpsc::channel(READY_QUEUE);
        tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::debug!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (acceptor, queue) = (acceptor.clone(), sender.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = queue.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(peer = %addr, error = %e, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(peer = %addr, "TLS handshake timed out"),
                    }
                });
                if sender.is_closed() {
                    return;
                }
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task ended (it never does while the listener lives).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A self-signed certificate for `localhost` and its key, as PEM files in `dir`.
    fn certificate(
        dir: &Path,
    ) -> (
        std::path::PathBuf,
        std::path::PathBuf,
        CertificateDer<'static>,
    ) {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
        (cert, key, certified.cert.der().clone())
    }

    #[tokio::test]
    async fn serves_https_while_another_client_stalls_its_handshake() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, der) = certificate(dir.path());
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let listener = TlsListener::new(tcp, &cert, &key).unwrap();
        let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok\n" }));
        tokio::spawn(async move { axum::serve(listener, app).await });

        // A client that connects and never says hello holds nobody up.
        let _stalled = TcpStream::connect(addr).await.unwrap();

        let mut roots = rustls::RootCertStore::empty();
        roots.add(der).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let stream = TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let mut tls = tokio::time::timeout(Duration::from_secs(5), connector.connect(name, stream))
            .await
            .expect("the handshake is not held up by the stalled client")
            .unwrap();
        tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        tls.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("ok\n"), "{answer}");
    }

    #[tokio::test]
    async fn files_that_are_not_a_certificate_and_key_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, _) = certificate(dir.path());
        let secret_looking = dir.path().join("not-a-key.pem");
        std::fs::write(&secret_looking, "hunter2-not-pem").unwrap();
        for (c, k, expected) in [
            (&secret_looking, &key, "tls_certificate"),
            (&cert, &secret_looking, "tls_key"),
            (&key, &cert, "tls_certificate"),
        ] {
            let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let error = format!("{:#}", TlsListener::new(tcp, c, k).err().unwrap());
            assert!(error.contains(expected), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }
}
