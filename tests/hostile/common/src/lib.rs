//! What every hostile fixture plugin shares: the `itam:collector@0.1.0` bindings, a valid
//! descriptor and plan (so the host gets as far as `collect`), entity builders, and a small
//! wasi:http client that reports the host's refusal as [`HttpError::Denied`].

/// Bindings generated from the contract in `wit/`.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/since_v0.1.0",
        world: "collector",
        pub_export_macro: true,
        default_bindings_module: "hostile_common::bindings",
    });
}

pub use bindings::export;
pub use bindings::exports::itam::collector::plugin::Guest;
pub use bindings::itam::collector::host;
pub use bindings::itam::collector::types::*;

/// The value of setting `name`, if given.
pub fn setting(settings: &Settings, name: &str) -> Option<String> {
    settings
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// A failure with only a message.
pub fn failure(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        fix: None,
        status: None,
        code: None,
        request_id: None,
    }
}

/// A descriptor that takes `url` (the origin it may contact) and produces accounts.
pub fn descriptor(name: &str, description: &str, credential: CredentialKind) -> Descriptor {
    Descriptor {
        name: name.into(),
        version: "0.0.0".into(),
        description: description.into(),
        settings: vec![SettingSpec {
            name: "url".into(),
            description: "the one origin this plugin declares, scheme://host:port".into(),
            required: true,
            default_value: None,
        }],
        credential,
        permissions: Vec::new(),
        produces: vec![EntityKind::Account, EntityKind::Product],
    }
}

/// The `url` setting, or an invalid-config error.
pub fn url(settings: &Settings) -> Result<String, CollectError> {
    setting(settings, "url")
        .map(|u| u.trim_end_matches('/').to_string())
        .ok_or_else(|| CollectError::InvalidConfig(failure("the `url` setting is required")))
}

/// A plan that declares only the `url` origin and no grant.
pub fn plan_url(settings: &Settings) -> Result<RunPlan, CollectError> {
    Ok(RunPlan {
        hosts: vec![url(settings)?],
        grant: None,
    })
}

/// A live member account.
pub fn account(id: &str, display_name: &str) -> Account {
    Account {
        id: id.into(),
        principal_name: format!("{id}@hostile.example"),
        display_name: Some(display_name.into()),
        mail: None,
        enabled: true,
        kind: AccountKind::Member,
        department: None,
        job_title: None,
        usage_location: None,
        created: None,
        deleted: None,
        attributes: Vec::new(),
    }
}

/// A product with `units` enabled units.
pub fn product(id: &str, part_number: &str, units: u64) -> Product {
    Product {
        id: id.into(),
        part_number: part_number.into(),
        status: "Enabled".into(),
        enabled: units,
        warning: 0,
        suspended: 0,
        locked_out: 0,
        consumed: 0,
        plans: Vec::new(),
        attributes: Vec::new(),
    }
}

/// A direct, active assignment.
pub fn assignment(account_id: &str, product_id: &str) -> Assignment {
    Assignment {
        account_id: account_id.into(),
        product_id: product_id.into(),
        source: AssignmentSource::Direct,
        group_id: None,
        state: "Active".into(),
        error: None,
        disabled_plans: Vec::new(),
    }
}

/// A summary with these counts.
pub fn summary(counts: &[(&str, u64)]) -> Summary {
    Summary {
        counts: counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        warnings: Vec::new(),
        data_quality: Vec::new(),
        facts: Vec::new(),
    }
}

/// Logs at warn level through the host (shown on `itam`'s stderr by default).
pub fn warn(message: &str) {
    host::log(LogLevel::Warn, message);
}

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

impl Reply {
    /// The first header called `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request failed.
#[derive(Debug)]
pub enum HttpError {
    /// wasi:http `HTTP-request-denied`: the host's policy refused it.
    Denied,
    /// Any other failure.
    Other(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Denied => f.write_str("HTTP-request-denied"),
            HttpError::Other(e) => f.write_str(e),
        }
    }
}

/// wasi:http requests without any helper crate in between.
pub mod http {
    use super::{HttpError, Reply};
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
    use wasip2::io::streams::StreamError;

    fn code(e: ErrorCode) -> HttpError {
        match e {
            ErrorCode::HttpRequestDenied => HttpError::Denied,
            other => HttpError::Other(format!("{other:?}")),
        }
    }

    fn other(what: &str) -> HttpError {
        HttpError::Other(what.to_string())
    }

    /// Splits `scheme://authority/path?query`.
    fn split(url: &str) -> Result<(Scheme, &str, &str), HttpError> {
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

    /// GETs `url` with `headers`, reading the whole body. Redirects are not followed.
    pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<Reply, HttpError> {
        let (scheme, authority, path) = split(url)?;
        let fields = Fields::new();
        for (name, value) in headers {
            fields
                .append(name, value.as_bytes())
                .map_err(|e| HttpError::Other(format!("header {name}: {e:?}")))?;
        }
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
                        return Err(HttpError::Other(e.to_debug_string()));
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
