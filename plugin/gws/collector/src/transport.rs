//! The plugin's view of HTTP: the SDK's [`HttpClient`](itam_plugin_sdk::http::HttpClient)
//! (one GET at a time, behind a trait so tests can fake it) under the names the logic uses,
//! plus what to do about a network failure in this plugin's terms.

pub use itam_plugin_sdk::http::{
    HttpClient as Transport, HttpError as TransportError, NetworkCause, Response as Reply,
};

/// What to do about a network failure, in terms of this plugin's settings.
pub fn fix(cause: &NetworkCause) -> &'static str {
    match cause {
        NetworkCause::Dns => {
            "check api_url / token_url if set, and this machine's DNS; behind a proxy, set [network] https_proxy"
        }
        NetworkCause::Refused => {
            "nothing accepts connections there: check api_url / token_url and the port, and any firewall"
        }
        NetworkCause::ConnectTimeout => {
            "check the firewall and proxy ([network] https_proxy); raise limits.connect_timeout if the network is slow"
        }
        NetworkCause::ReadTimeout => {
            "raise limits.first_byte_timeout or limits.between_bytes_timeout if the customer is large or the network slow"
        }
        NetworkCause::Certificate => {
            "if a TLS-inspecting proxy is in the way, set [network] ca_bundle to its CA certificate; otherwise check api_url / token_url"
        }
        NetworkCause::Tls => "check that api_url / token_url use https on an HTTPS port",
        NetworkCause::Closed => "try again; if it persists, check the proxy or firewall in between",
        NetworkCause::Other(said) if said.starts_with("proxy") => {
            "check [network] https_proxy (or HTTPS_PROXY), its credentials and no_proxy"
        }
        _ => "check network access to Google's API and token hosts (proxy, firewall, DNS)",
    }
}

/// `value` percent-encoded for a query parameter or a path segment: everything but RFC 3986's
/// unreserved characters is escaped.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_pass_unescaped() {
        assert_eq!(encode("C03az79cb"), "C03az79cb");
        assert_eq!(encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
        assert_eq!(encode("zoë"), "zo%C3%AB");
    }
}
