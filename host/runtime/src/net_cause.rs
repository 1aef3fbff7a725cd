//! Why a connection failed, read from an error chain (hyper, hyper-util, rustls), so
//! that both the plugin's requests and the host's token requests can say connection refused,
//! DNS, TLS, timeout or proxy instead of "error sending request", each with a fix.

use std::error::Error as StdError;
use std::io::ErrorKind;

/// The cause of a failed connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetCause {
    /// The host name did not resolve.
    Dns,
    /// Nothing accepted the connection.
    Refused,
    /// Connecting took longer than the connect timeout.
    Timeout,
    /// The server's certificate is not trusted (or not for this name).
    Certificate,
    /// The TLS handshake failed otherwise (plain HTTP on an HTTPS port, say).
    Tls,
    /// The proxy refused or failed the tunnel.
    Proxy,
    /// The connection was closed or reset.
    Closed,
    /// Something else; the text is the error chain.
    Other,
}

impl NetCause {
    /// Classifies `error` by walking its source chain.
    pub fn of(error: &(dyn StdError + 'static)) -> NetCause {
        let mut text = String::new();
        let mut next: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(e) = next {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return match tls {
                    rustls::Error::InvalidCertificate(_) => NetCause::Certificate,
                    _ => NetCause::Tls,
                };
            }
            let mut inner: Option<&(dyn StdError + 'static)> = None;
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                // An io::Error's `source` skips the error it wraps; `get_ref` is that error.
                inner = io.get_ref().map(|i| i as &(dyn StdError + 'static));
                match io.kind() {
                    ErrorKind::ConnectionRefused => return NetCause::Refused,
                    ErrorKind::TimedOut => return NetCause::Timeout,
                    ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::UnexpectedEof => {
                        return NetCause::Closed;
                    }
                    _ => {}
                }
            }
            text.push_str(&e.to_string().to_ascii_lowercase());
            text.push(' ');
            next = inner.or_else(|| e.source());
        }
        if text.contains("dns error") || text.contains("failed to lookup address") {
            NetCause::Dns
        } else if text.contains("tunnel") || text.contains("proxy") {
            NetCause::Proxy
        } else if text.contains("timed out") || text.contains("deadline has elapsed") {
            NetCause::Timeout
        } else if text.contains("connection closed") || text.contains("reset") {
            NetCause::Closed
        } else {
            NetCause::Other
        }
    }

    /// What happened, in a few words.
    pub fn text(&self) -> &'static str {
        match self {
            NetCause::Dns => "the host name could not be resolved (DNS)",
            NetCause::Refused => "the connection was refused",
            NetCause::Timeout => "connecting timed out",
            NetCause::Certificate => "the server's TLS certificate is not trusted",
            NetCause::Tls => "the TLS handshake failed",
            NetCause::Proxy => "the proxy did not open a tunnel",
            NetCause::Closed => "the connection was closed before an answer",
            NetCause::Other => "the request could not be sent",
        }
    }

    /// What to do about it.
    pub fn fix(&self) -> &'static str {
        match self {
            NetCause::Dns => {
                "check the host name in the source's settings and this machine's DNS; behind a proxy, set [network] https_proxy"
            }
            NetCause::Refused => {
                "nothing accepts connections there: check the URL and port in the source's settings and any firewall"
            }
            NetCause::Timeout => {
                "check the firewall and proxy ([network] https_proxy); raise limits.connect_timeout if the network is slow"
            }
            NetCause::Certificate => {
                "if a TLS-inspecting proxy is in the way, set [network] ca_bundle to its CA certificate; otherwise check the URL"
            }
            NetCause::Tls => {
                "check that the URL's scheme and port match the server (https on an HTTPS port)"
            }
            NetCause::Proxy => {
                "check [network] https_proxy (or HTTPS_PROXY), its credentials and no_proxy"
            }
            NetCause::Closed => "try again; if it persists, check the proxy or firewall in between",
            NetCause::Other => "check network access to the source's hosts (proxy, firewall, DNS)",
        }
    }

    /// The error chain as one line, for the details.
    pub fn chain(error: &(dyn StdError + 'static)) -> String {
        let mut parts = Vec::new();
        let mut next: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(e) = next {
            let text = e.to_string();
            if !parts.iter().any(|p: &String| p.contains(&text)) {
                parts.push(text);
            }
            let wrapped = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|i| i as &(dyn StdError + 'static));
            next = wrapped.or_else(|| e.source());
        }
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrap(&'static str, Box<dyn StdError + Send + Sync>);
    impl std::fmt::Display for Wrap {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Wrap {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(self.1.as_ref())
        }
    }

    #[test]
    fn causes_are_read_from_the_chain() {
        let refused = Wrap(
            "client error (Connect)",
            Box::new(std::io::Error::from(ErrorKind::ConnectionRefused)),
        );
        assert_eq!(NetCause::of(&refused), NetCause::Refused);
        let dns = Wrap(
            "client error (Connect)",
            Box::new(Wrap(
                "dns error",
                Box::new(std::io::Error::other(
                    "failed to lookup address information",
                )),
            )),
        );
        assert_eq!(NetCause::of(&dns), NetCause::Dns);
        let cert = Wrap(
            "client error (Connect)",
            Box::new(std::io::Error::other(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))),
        );
        // The rustls error sits inside an io::Error, as tokio-rustls reports it.
        assert_eq!(NetCause::of(&cert), NetCause::Certificate);
        assert_eq!(
            NetCause::of(&rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            )),
            NetCause::Certificate
        );
        assert!(NetCause::chain(&dns).contains("dns error: failed to lookup"));
    }
}
