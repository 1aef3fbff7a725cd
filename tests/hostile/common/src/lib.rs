//! What the hostile fixture plugins share beyond the SDK (`itam-plugin-sdk`, re-exported here):
//! the fixtures' descriptor, entity builders, and a raw wasi:http client (the `wasip2` crate)
//! for the attacks the SDK's transport cannot make, such as setting a header the host forbids
//! or keeping many requests in flight.
//!
//! Every fixture declares the one origin given in its `url` setting: the SDK's default plan
//! does that for a descriptor made by [`descriptor`].

pub use itam_plugin_sdk::http::{HttpClient, HttpError, Response, WasiHttp};
pub use itam_plugin_sdk::settings::get as setting;
pub use itam_plugin_sdk::types::*;
pub use itam_plugin_sdk::{Collector, host, register_collector, settings};

/// A fixture's descriptor: version `0.0.0`, the required `url` setting (the one origin it
/// declares), no credential, and accounts and products.
pub fn descriptor(name: &str, description: &str) -> Descriptor {
    let mut d = Descriptor::new(name, "0.0.0", description);
    d.settings = vec![SettingSpec::required(
        "url",
        "the one origin this plugin declares, scheme://host:port",
    )];
    d.produces = vec![EntityKind::Account, EntityKind::Product];
    d
}

/// A required `mode` setting taking `modes`.
pub fn mode(modes: &str) -> SettingSpec {
    SettingSpec::required("mode", modes)
}

/// The `url` setting without a trailing `/`, or an invalid-config error.
pub fn url(settings: &Settings) -> Result<String, CollectError> {
    settings::require(settings, "url").map(|u| u.trim_end_matches('/').to_string())
}

/// A live member account `id@hostile.example`.
pub fn account(id: &str, display_name: &str) -> Account {
    let mut account = Account::new(id, format!("{id}@hostile.example"));
    account.display_name = Some(display_name.into());
    account
}

/// A summary with these counts.
pub fn summary(counts: &[(&str, u64)]) -> Summary {
    counts.iter().fold(Summary::new(), |summary, (kind, n)| {
        summary.count(*kind, *n)
    })
}

/// Logs at warn level through the host (shown on `itam`'s stderr by default).
pub fn warn(message: &str) {
    host::log(LogLevel::Warn, message);
}

/// What a request through the SDK's transport got, as the fixtures report it: `HTTP <status>`,
/// `HTTP-request-denied`, or the failure.
pub fn status(answer: &Result<Response, HttpError>) -> String {
    match answer {
        Ok(r) => format!("HTTP {}", r.status),
        Err(HttpError::Denied(_)) => "HTTP-request-denied".into(),
        Err(e) => e.to_string(),
    }
}

/// [`status`], with the size of the body of an answer: `HTTP <status> (<n> bytes)`.
pub fn status_and_size(answer: &Result<Response, HttpError>) -> String {
    match answer {
        Ok(r) => format!("HTTP {} ({} bytes)", r.status, r.body.len()),
        Err(_) => status(answer),
    }
}

/// wasi:http requests without any helper crate in between.
pub mod raw {
    use wasip2::http::outgoing_handler::{self, FutureIncomingResponse};
    use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
    use wasip2::io::streams::StreamError;

    /// A response as the plugin saw it.
    #[derive(Debug)]
    pub struct Reply {
        /// HTTP status.
        pub status: u16,
        /// Headers, names lower-case.
        pub headers: Vec<(String, String)>,
        /// The whole body.
        pub body: Vec<u8>,
    }

    /// Why a request failed.
    #[derive(Debug)]
    pub enum RawError {
        /// wasi:http `HTTP-request-denied`: the host's policy refused it.
        Denied,
        /// The host refused a header (e.g. one it forbids plugins to set): nothing was sent.
        Header(String),
        /// Any other failure.
        Other(String),
    }

    impl std::fmt::Display for RawError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                RawError::Denied => f.write_str("HTTP-request-denied"),
                RawError::Header(e) | RawError::Other(e) => f.write_str(e),
            }
        }
    }

    fn code(e: ErrorCode) -> RawError {
        match e {
            ErrorCode::HttpRequestDenied => RawError::Denied,
            other => RawError::Other(format!("{other:?}")),
        }
    }

    fn other(what: &str) -> RawError {
        RawError::Other(what.to_string())
    }

    /// Splits `scheme://authority/path?query`.
    fn split(url: &str) -> Result<(Scheme, &str, &str), RawError> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| other("not an absolute URL"))?;
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            s => Scheme::Other(s.to_string()),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        Ok((scheme, authority, path))
    }

    /// A GET of `url` without headers, or why it could not be made.
    fn request(url: &str, fields: Fields) -> Result<OutgoingRequest, RawError> {
        let (scheme, authority, path) = split(url)?;
        let request = OutgoingRequest::new(fields);
        request
            .set_method(&Method::Get)
            .map_err(|()| other("method"))?;
        request
            .set_scheme(Some(&scheme))
            .map_err(|()| other("scheme"))?;
        request
            .set_authority(Some(authority))
            .map_err(|()| other("authority"))?;
        request
            .set_path_with_query(Some(path))
            .map_err(|()| other("path"))?;
        Ok(request)
    }

    /// Starts a GET of `url` without reading its answer, so that many can be in flight.
    pub fn start(url: &str) -> Result<FutureIncomingResponse, ErrorCode> {
        let request = request(url, Fields::new()).expect("a well-formed request");
        let body = request.body().expect("a new request has a body");
        let future = outgoing_handler::handle(request, None)?;
        let _ = OutgoingBody::finish(body, None);
        Ok(future)
    }

    /// GETs `url` with `headers`, reading the whole body. Redirects are not followed.
    pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<Reply, RawError> {
        let fields = Fields::new();
        for (name, value) in headers {
            fields
                .append(name, value.as_bytes())
                .map_err(|e| RawError::Header(format!("header {name}: {e:?}")))?;
        }
        let request = request(url, fields)?;
        let body = request.body().map_err(|()| other("body"))?;
        let future = outgoing_handler::handle(request, None).map_err(code)?;
        OutgoingBody::finish(body, None).map_err(code)?;
        let response = match future.get() {
            Some(r) => r,
            None => {
                future.subscribe().block();
                future.get().ok_or_else(|| other("no response"))?
            }
        }
        .map_err(|()| other("response taken twice"))?
        .map_err(code)?;
        let status = response.status();
        let headers = response
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let incoming = response.consume().map_err(|()| other("consume"))?;
        let mut body = Vec::new();
        {
            let stream = incoming.stream().map_err(|()| other("stream"))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => body.extend_from_slice(&chunk),
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(e)) => {
                        return Err(RawError::Other(e.to_debug_string()));
                    }
                }
            }
        }
        drop(incoming);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}
