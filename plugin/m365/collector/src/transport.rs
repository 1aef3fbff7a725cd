//! The plugin's view of HTTP: the SDK's [`HttpClient`](itam_plugin_sdk::http::HttpClient)
//! (one GET or JSON POST at a time, behind a trait so tests can fake it) under the names the
//! Graph logic uses, plus what to do about a network failure in Microsoft 365 terms.

pub use itam_plugin_sdk::http::{
    HttpClient as Transport, HttpError as TransportError, NetworkCause, Response as Reply,
};

/// What to do about a network failure, in terms of this plugin's settings.
pub fn fix(cause: &NetworkCause) -> &'static str {
    match cause {
        NetworkCause::Dns => {
            "check the host name (cloud, login_url, graph_url) and this machine's DNS; behind a proxy, set [network] https_proxy"
        }
        NetworkCause::Refused => {
            "nothing accepts connections there: check graph_url / login_url and the port, and any firewall"
        }
        NetworkCause::ConnectTimeout => {
            "check the firewall and proxy ([network] https_proxy); raise limits.connect_timeout if the network is slow"
        }
        NetworkCause::ReadTimeout => {
            "raise limits.first_byte_timeout or limits.between_bytes_timeout if the tenant is large or the network slow"
        }
        NetworkCause::Certificate => {
            "if a TLS-inspecting proxy is in the way, set [network] ca_bundle to its CA certificate; otherwise check graph_url / login_url"
        }
        NetworkCause::Tls => "check that graph_url / login_url use https on an HTTPS port",
        NetworkCause::Closed => "try again; if it persists, check the proxy or firewall in between",
        NetworkCause::Other(said) if said.starts_with("proxy") => {
            "check [network] https_proxy (or HTTPS_PROXY), its credentials and no_proxy"
        }
        _ => "check network access to the Graph and sign-in hosts (proxy, firewall, DNS)",
    }
}
