//! Each sandbox limit, tested through the library an agent embeds (the `itam` binary's e2e
//! tests cover the same limits end to end). The plugins are the hostile fixtures of
//! `tests/hostile`, each of which misbehaves in one way.

use itam_runtime::contract::types::{Batch, CollectError};
use itam_runtime::error::{StopReason, is_sink_failure, stopped};
use itam_runtime::policy::Limits;
use itam_runtime::{BatchSink, CancelToken, CollectOptions, Collected, Plugin, Runtime, Source};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn runtime() -> Runtime {
    Runtime::builder().cache_dir(None).build().unwrap()
}

fn load(runtime: &Runtime, fixture: &str) -> Plugin {
    runtime
        .load_file(fixture.as_ref(), &Default::default())
        .unwrap()
}

/// A sink that keeps a count of what it was given.
#[derive(Clone, Default)]
struct Counting {
    batches: Arc<Mutex<usize>>,
    /// Accounts without an ID or with a display name past the field limit.
    malformed: Arc<Mutex<usize>>,
    /// Cancels the run once this many batches arrived.
    cancel_after: Option<(usize, CancelToken)>,
}

impl BatchSink for Counting {
    fn accept(&mut self, batch: Batch) -> anyhow::Result<()> {
        if let Batch::Accounts(accounts) = &batch {
            let malformed = accounts.iter().filter(|a| {
                a.id.is_empty() || a.display_name.as_ref().is_some_and(|n| n.len() > 64 << 10)
            });
            *self.malformed.lock().unwrap() += malformed.count();
        }
        let mut n = self.batches.lock().unwrap();
        *n += 1;
        if let Some((after, token)) = &self.cancel_after
            && *n >= *after
        {
            token.cancel();
        }
        Ok(())
    }
}

/// Prepares `fixture` with `settings` and `limits`, and collects into `sink`.
async fn collect(
    fixture: &str,
    settings: &[(&str, &str)],
    limits: Limits,
    sink: Counting,
    cancel: CancelToken,
) -> anyhow::Result<Collected> {
    let runtime = runtime();
    let plugin = load(&runtime, fixture);
    let settings = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut source = Source::new("hostile", settings);
    source.policy.limits = limits;
    let prepared = runtime.prepare(&plugin, source).await?;
    let options = CollectOptions {
        cancel,
        ..Default::default()
    };
    prepared.collect(Box::new(sink), options).await
}

const NOWHERE: (&str, &str) = ("url", "http://127.0.0.1:9");

fn chain(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_past_the_cap_stops_the_plugin() {
    let limits = Limits {
        memory_bytes: 32 << 20,
        ..Limits::default()
    };
    let e = collect(
        hostile_build::MEMORY_HOG,
        &[NOWHERE],
        limits,
        Counting::default(),
        CancelToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        chain(&e).contains("the plugin exceeded its memory limit of 32 MiB and was stopped"),
        "{e:#}"
    );
    assert_eq!(stopped(&e), Some(StopReason::Memory));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_that_never_returns_is_stopped_at_the_run_deadline() {
    let limits = Limits {
        run_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let started = Instant::now();
    let e = collect(
        hostile_build::ENDLESS_LOOP,
        &[NOWHERE],
        limits,
        Counting::default(),
        CancelToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        chain(&e).contains("the run exceeded its deadline of 2 s and was stopped"),
        "{e:#}"
    );
    assert_eq!(stopped(&e), Some(StopReason::Deadline));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test(flavor = "multi_thread")]
async fn unbounded_recursion_exhausts_the_wasm_stack_not_the_host() {
    let e = collect(
        hostile_build::DEEP_RECURSION,
        &[NOWHERE],
        Limits::default(),
        Counting::default(),
        CancelToken::new(),
    )
    .await
    .unwrap_err();
    let text = chain(&e);
    assert!(text.contains("the plugin crashed (trap)"), "{text}");
    assert!(text.contains("call stack exhausted"), "{text}");
    assert_eq!(stopped(&e), Some(StopReason::Trap));
}

#[tokio::test(flavor = "multi_thread")]
async fn output_past_the_run_limit_fails_the_run_for_any_sink() {
    let limits = Limits {
        max_output_bytes: 16 << 20,
        ..Limits::default()
    };
    let sink = Counting::default();
    let e = collect(
        hostile_build::FLOOD,
        &[NOWHERE, ("mode", "many-entities")],
        limits,
        sink.clone(),
        CancelToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        chain(&e).contains(
            "the plugin's output exceeded the source's limit of 16 MiB (limits.max_output_mb)"
        ),
        "{e:#}"
    );
    assert!(is_sink_failure(&e) && stopped(&e).is_none(), "{e:#}");
    let batches = *sink.batches.lock().unwrap();
    assert!(
        batches > 0 && batches < 500,
        "{batches} batches reached the sink"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_oversized_entities_never_reach_the_sink() {
    for (mode, expected) in [
        ("missing-fields", "an account without an id"),
        (
            "huge-string",
            "display name of 67108864 bytes; the host accepts at most 64 KiB per field",
        ),
        (
            "huge-product-name",
            "display name of 1048576 bytes; the host accepts at most 64 KiB per field",
        ),
    ] {
        let sink = Counting::default();
        let e = collect(
            hostile_build::FLOOD,
            &[NOWHERE, ("mode", mode)],
            Limits::default(),
            sink.clone(),
            CancelToken::new(),
        )
        .await
        .unwrap_err();
        assert!(chain(&e).contains(expected), "{mode}: {e:#}");
        assert_eq!(*sink.malformed.lock().unwrap(), 0, "{mode}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_run_is_answered_cancel_and_the_plugin_stops() {
    let cancel = CancelToken::new();
    let sink = Counting {
        cancel_after: Some((2, cancel.clone())),
        ..Default::default()
    };
    let collected = collect(
        hostile_build::FLOOD,
        &[NOWHERE, ("mode", "many-entities")],
        Limits::default(),
        sink.clone(),
        cancel,
    )
    .await
    .unwrap();
    match collected.result {
        Err(CollectError::Cancelled(f)) => {
            assert!(
                f.message.contains("the host cancelled after"),
                "{}",
                f.message
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(*sink.batches.lock().unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn undeclared_origins_are_denied_and_never_connected() {
    let allowed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    foreign.set_nonblocking(true).unwrap();
    let allowed = format!("http://{}", allowed.local_addr().unwrap());
    let target = format!("http://{}/steal", foreign.local_addr().unwrap());
    let collected = collect(
        hostile_build::FOREIGN_HOST,
        &[("url", &allowed), ("targets", &target)],
        Limits {
            first_byte_timeout: Duration::from_secs(2),
            ..Limits::default()
        },
        Counting::default(),
        CancelToken::new(),
    )
    .await
    .unwrap();
    assert!(
        matches!(collected.result, Err(CollectError::Denied(_))),
        "{:?}",
        collected.result
    );
    assert_eq!(
        collected.denied,
        vec![format!("http://{}", foreign.local_addr().unwrap())]
    );
    assert!(
        foreign.accept().is_err(),
        "the foreign origin was never connected"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_function_that_blocks_is_stopped_at_the_setup_deadline() {
    let runtime = runtime();
    let plugin = load(&runtime, hostile_build::START_BLOCKS);
    let mut limits = Limits::default();
    limits.caps.setup_deadline = Duration::from_secs(2);
    let started = Instant::now();
    let e = plugin.describe(&limits).await.unwrap_err();
    assert!(
        chain(&e).contains("the plugin did not finish starting within 2 s"),
        "{e:#}"
    );
    assert_eq!(stopped(&e), Some(StopReason::Deadline));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_past_the_entity_cap_is_refused() {
    let mut limits = Limits::default();
    limits.caps.max_batch_entities = 1000;
    let sink = Counting::default();
    let e = collect(
        hostile_build::FLOOD,
        &[NOWHERE, ("mode", "many-entities")],
        limits,
        sink.clone(),
        CancelToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        chain(&e).contains("entities in one batch; the host accepts at most 1000 per batch"),
        "{e:#}"
    );
    assert_eq!(*sink.batches.lock().unwrap(), 0);
}

#[test]
fn a_compiler_bomb_is_refused_before_compiling() {
    let e = runtime()
        .load_file(hostile_build::NESTED_BLOCKS.as_ref(), &Default::default())
        .err()
        .expect("refused");
    assert!(chain(&e).contains("deep"), "{e:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_plugin_may_not_choose_where_a_credential_goes() {
    use itam_runtime::credentials::{ClientAuth, Credential, Secret};
    let runtime = runtime();
    let plugin = load(&runtime, hostile_build::WELL_BEHAVED);
    let mut source = Source::new("hostile", vec![("url".into(), "http://127.0.0.1:9".into())]);
    source.credential = Some(Credential {
        client_id: "id".into(),
        auth: ClientAuth::Secret(Secret::new("s3cret")),
        origin: "test".into(),
    });
    let e = runtime
        .prepare(&plugin, source.clone())
        .await
        .err()
        .unwrap();
    assert!(itam_runtime::error::is_config_error(&e), "{e:#}");
    assert!(
        chain(&e).contains("list the origins it may reach in allowed_hosts"),
        "{e:#}"
    );
    source.policy.allowed_hosts = Some(vec!["http://127.0.0.1:9".into()]);
    runtime.prepare(&plugin, source).await.unwrap();
}
