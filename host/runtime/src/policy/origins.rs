//! Outbound network policy: origins (`scheme://host[:port]`) and the default-deny allow-list.

use std::fmt;
use std::net::IpAddr;

/// A network origin: scheme, host and port (the scheme's default port when not written).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-case host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]` (a trailing `/` is accepted; paths and queries are not).
    pub fn parse(text: &str) -> Result<Origin, String> {
        let how = "write it as scheme://host[:port], e.g. https://api.example.com";
        let url =
            url::Url::parse(text).map_err(|e| format!("`{text}` is not an origin ({e}); {how}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("`{text}` must use http or https; {how}"));
        }
        if url.path() != "/"
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(format!(
                "`{text}` must not have a path, query or user; {how}"
            ));
        }
        Origin::from_url(&url).ok_or_else(|| format!("`{text}` has no host; {how}"))
    }

    /// The origin of a URL.
    pub fn from_url(url: &url::Url) -> Option<Origin> {
        let host = match url.host()? {
            url::Host::Domain(d) => d.to_ascii_lowercase(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        Some(Origin {
            scheme: url.scheme().to_string(),
            host,
            port: url.port_or_known_default()?,
        })
    }

    /// The origin of an HTTP request URI.
    pub fn from_uri(uri: &http::Uri) -> Option<Origin> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let host = uri
            .host()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        });
        Some(Origin { scheme, host, port })
    }

    /// Whether the host is a loopback address (`localhost`, 127.0.0.0/8, `::1`).
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false)
    }

    /// Whether a bearer token or a credential may travel to this origin: HTTPS, or loopback.
    pub fn may_carry_credentials(&self) -> bool {
        self.scheme == "https" || self.is_loopback()
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = matches!(
            (self.scheme.as_str(), self.port),
            ("https", 443) | ("http", 80)
        );
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if default {
            write!(f, "{}://{}", self.scheme, host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, host, self.port)
        }
    }
}

/// The origins a plugin may reach. Empty means nothing is allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    origins: Vec<Origin>,
}

impl AllowList {
    /// The plugin's declared hosts, narrowed to `narrow` when the operator gave a list.
    pub fn build(declared: &[String], narrow: Option<&[String]>) -> Result<AllowList, String> {
        let mut origins = Vec::new();
        for host in declared {
            let origin =
                Origin::parse(host).map_err(|e| format!("the plugin declared a bad host: {e}"))?;
            let kept = match narrow {
                None => true,
                Some(list) => list
                    .iter()
                    .filter_map(|h| Origin::parse(h).ok())
                    .any(|o| o == origin),
            };
            if kept && !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(AllowList { origins })
    }

    /// Whether `origin` is allowed.
    pub fn allows(&self, origin: &Origin) -> bool {
        self.origins.contains(origin)
    }

    /// The allowed origins.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_forms() {
        let o = Origin::parse("https://API.Example.com").unwrap();
        assert_eq!((o.host.as_str(), o.port), ("api.example.com", 443));
        assert_eq!(o.to_string(), "https://api.example.com");
        let o = Origin::parse("http://127.0.0.1:8400/").unwrap();
        assert_eq!(o.to_string(), "http://127.0.0.1:8400");
        assert!(o.is_loopback() && o.may_carry_credentials());
        let o = Origin::parse("http://[::1]:9000").unwrap();
        assert!(o.is_loopback());
        assert_eq!(o.to_string(), "http://[::1]:9000");
        assert!(
            !Origin::parse("http://example.com")
                .unwrap()
                .may_carry_credentials()
        );
    }

    #[test]
    fn bad_rules_say_how_to_write_them() {
        for bad in [
            "api.example.com",
            "ftp://x",
            "https://x/v1.0",
            "https://x?a=b",
        ] {
            let e = Origin::parse(bad).unwrap_err();
            assert!(e.contains("scheme://host[:port]"), "{e}");
        }
    }

    #[test]
    fn allow_list_is_default_deny_and_narrowable() {
        let declared = vec![
            "https://login.example".to_string(),
            "https://api.example".to_string(),
        ];
        let all = AllowList::build(&declared, None).unwrap();
        assert!(all.allows(&Origin::parse("https://api.example").unwrap()));
        assert!(!all.allows(&Origin::parse("https://api.example:8443").unwrap()));
        assert!(!all.allows(&Origin::parse("http://api.example").unwrap()));
        assert!(!all.allows(&Origin::parse("https://evil.example").unwrap()));
        let narrowed =
            AllowList::build(&declared, Some(&["https://api.example".to_string()])).unwrap();
        assert_eq!(narrowed.origins().len(), 1);
        assert!(AllowList::default().origins().is_empty());
        let uri: http::Uri = "https://api.example/v1.0/users".parse().unwrap();
        assert!(all.allows(&Origin::from_uri(&uri).unwrap()));
    }
}
