//! Holds host-side resources, which live outside the plugin's memory cap, by its `mode`
//! setting:
//! `big-fields`: 20,000 wasi:http header sets, each with a 100 KiB value;
//! `many-fields`: 20,000 header sets of 1 KiB each, all kept (the host's handle limit must stop
//! it);
//! `in-flight`: 300 GETs to `url`, all started before any response is read (the host must
//! refuse those past its in-flight limit).
//! It returns `denied` with what it got, or succeeds if nothing stopped it.

use hostile_common::*;
use wasip2::http::types::{ErrorCode, Fields};

struct Hoard;

const KEPT: usize = 20_000;
const REQUESTS: usize = 300;

fn fields(value_bytes: usize) -> (Fields, Result<(), String>) {
    let f = Fields::new();
    let value = vec![b'a'; value_bytes];
    let appended = f.append("x-pad", &value).map_err(|e| format!("{e:?}"));
    (f, appended)
}

impl Collector for Hoard {
    fn describe(&self) -> Descriptor {
        let mut d = descriptor("hoard", "holds host resources outside its memory cap");
        d.settings
            .push(mode("big-fields, many-fields or in-flight"));
        d
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let seen = match setting(settings, "mode") {
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
                let held_url = format!("{}/held", url(settings)?);
                let started: Vec<_> = (0..REQUESTS).map(|_| raw::start(&held_url)).collect();
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
        Err(CollectError::Denied(Failure::new(format!("hoard: {seen}"))))
    }
}

register_collector!(Hoard);
