//! Holds host-side resources, which live outside the plugin's memory cap, by its `mode`
//! setting:
//! `big-fields`: 20,000 wasi:http header sets, each with a 100 KiB value;
//! `many-fields`: 20,000 header sets of 1 KiB each, all kept (the host's handle limit must stop
//! it);
//! `in-flight`: 300 GETs to `url`, all started before any response is read (the host must
//! refuse those past its in-flight limit).
//! It returns `denied` with what it got, or succeeds if nothing stopped it.

use hostile_common::*;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};

struct Hoard;

const KEPT: usize = 20_000;
const REQUESTS: usize = 300;

fn fields(value_bytes: usize) -> (Fields, Result<(), String>) {
    let f = Fields::new();
    let value = vec![b'a'; value_bytes];
    let appended = f.append("x-pad", &value).map_err(|e| format!("{e:?}"));
    (f, appended)
}

fn start_get(authority: &str) -> Result<outgoing_handler::FutureIncomingResponse, ErrorCode> {
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_method(&Method::Get);
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some("/held"));
    let body = request.body().expect("a new request has a body");
    let future = outgoing_handler::handle(request, None)?;
    let _ = OutgoingBody::finish(body, None);
    Ok(future)
}

impl Guest for Hoard {
    fn describe() -> Descriptor {
        let mut d = descriptor(
            "hoard",
            "holds host resources outside its memory cap",
            CredentialKind::None,
        );
        d.settings.push(SettingSpec {
            name: "mode".into(),
            description: "big-fields, many-fields or in-flight".into(),
            required: true,
            default_value: None,
        });
        d
    }

    fn plan(settings: Settings) -> Result<RunPlan, CollectError> {
        plan_url(&settings)
    }

    fn check(_settings: Settings) -> Vec<CheckFinding> {
        Vec::new()
    }

    fn collect(settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let seen = match setting(&settings, "mode").as_deref() {
            Some("big-fields") => {
                let mut kept = Vec::new();
                let mut refused = 0;
                let mut first_error = None;
                for _ in 0..KEPT {
                    let (f, appended) = fields(100 << 10);
                    if let Err(e) = appended {
                        refused += 1;
                        first_error.get_or_insert(e);
                    }
                    kept.push(f);
                }
                format!(
                    "{refused} of {KEPT} 100 KiB values refused ({})",
                    first_error.unwrap_or_default()
                )
            }
            Some("many-fields") => {
                let mut kept = Vec::new();
                for _ in 0..KEPT {
                    kept.push(fields(1 << 10).0);
                }
                format!("kept {} header sets", kept.len())
            }
            _ => {
                let url = url(&settings)?;
                let authority = url.split_once("://").map(|(_, a)| a).unwrap_or(&url);
                let started: Vec<_> = (0..REQUESTS).map(|_| start_get(authority)).collect();
                let (mut ok, mut limited, mut other) = (0, 0, Vec::new());
                let mut held = Vec::new();
                for future in started {
                    let answer = future.map(|f| {
                        f.subscribe().block();
                        f.get()
                    });
                    match answer {
                        Ok(Some(Ok(Ok(response)))) => {
                            ok += 1;
                            held.push(response);
                        }
                        Ok(Some(Ok(Err(ErrorCode::ConnectionLimitReached))))
                        | Err(ErrorCode::ConnectionLimitReached) => limited += 1,
                        e => other.push(format!("{e:?}")),
                    }
                }
                other.truncate(3);
                format!(
                    "{ok} answered, {limited} refused at the in-flight limit, others: {}",
                    other.join(" | ")
                )
            }
        };
        warn(&format!("hoard: {seen}"));
        Err(CollectError::Denied(failure(format!("hoard: {seen}"))))
    }
}

export!(Hoard);
