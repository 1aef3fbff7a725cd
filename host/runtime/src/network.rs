//! How the host reaches the network: one setting for the plugins' traffic and the host's own
//! token requests.

/// Proxy and extra trusted CAs, for both the host's token requests and the plugin's traffic.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// HTTPS proxy (`http://host:port`); `None` means the `HTTPS_PROXY` environment variable.
    pub https_proxy: Option<String>,
    /// Hosts reached without the proxy (comma-separated, as `NO_PROXY`).
    pub no_proxy: Option<String>,
    /// Extra CA certificates (DER) trusted besides the public roots, e.g. a TLS-inspecting
    /// proxy's CA.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Network {
    /// The proxy rules: the configured proxy, else the environment's.
    pub fn proxy_matcher(&self) -> hyper_util::client::proxy::matcher::Matcher {
        use hyper_util::client::proxy::matcher::Matcher;
        match &self.https_proxy {
            Some(proxy) => Matcher::builder()
                .https(proxy.clone())
                .no(self.no_proxy.clone().unwrap_or_default())
                .build(),
            None => Matcher::from_env(),
        }
    }
}

/// Whether the HTTP client can trust `der` as a CA certificate (what `network.ca_bundle`
/// entries are checked with when the configuration is loaded).
pub fn usable_ca(der: &[u8]) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(der.to_vec()))
        .map_err(|e| e.to_string())
}
