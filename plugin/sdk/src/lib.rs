//! Write a collector plugin for the itam host in plain Rust.
//!
//! A plugin is a WebAssembly component that targets the `collector` world of the contract
//! `itam:collector@0.3.0` (`wit/since_v0.3.0`). This crate hides the generated bindings: a
//! plugin implements the [`Collector`] trait, registers it once with
//! [`register_collector!`], talks to the host through [`host`] and to its remote service
//! through [`http`], and builds the contract's values from [`types`]; [`retry`] computes how
//! long to wait before repeating a request that failed.
//!
//! Only [`Collector::describe`] and [`Collector::collect`] are required; the other methods have
//! defaults, and a method added in a later version will have one too, so no plugin breaks. A
//! plugin that can read only what changed since its last run implements
//! [`Collector::collect_incremental`] as well.
//!
//! ```
//! use itam_plugin_sdk::http::{HttpClient, WasiHttp};
//! use itam_plugin_sdk::types::*;
//! use itam_plugin_sdk::{Collector, host, register_collector, settings};
//!
//! struct Hello;
//!
//! impl Collector for Hello {
//!     fn describe(&self) -> Descriptor {
//!         Descriptor {
//!             name: "hello".into(),
//!             version: "0.1.0".into(),
//!             description: "one account read from `url`".into(),
//!             // The default `plan` declares the origin of a setting named `url`.
//!             settings: vec![SettingSpec::required("url", "where the account is, http(s)")],
//!             credential: CredentialKind::None,
//!             permissions: Vec::new(),
//!             produces: vec![EntityKind::Account],
//!         }
//!     }
//!
//!     fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
//!         let url = settings::require(settings, "url")?;
//!         let reply = WasiHttp.get(url, &[]).map_err(|e| e.into_collect_error(url))?;
//!         let name = String::from_utf8_lossy(&reply.body).trim().to_string();
//!         let account = Account::new("hello-1", format!("{name}@example.com"));
//!         if host::emit(&Batch::Accounts(vec![account])).is_cancel() {
//!             return Err(CollectError::cancelled());
//!         }
//!         Ok(Summary::new().count("accounts", 1))
//!     }
//! }
//!
//! register_collector!(Hello);
//! # fn main() {}
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release` (the crate is a `cdylib`) and
//! look at it with `itam plugin inspect target/wasm32-wasip2/release/hello.wasm`.
//! `docs/plugins.md` in the repository is the guide; `plugin/template` is a complete plugin
//! to start from.

#![deny(missing_docs)]

pub mod host;
pub mod http;
pub mod retry;
pub mod settings;
pub mod types;

#[cfg(target_arch = "wasm32")]
mod export;

use types::{
    CheckFinding, CheckStatus, CollectError, CollectMode, CollectRequest, Descriptor, Outcome,
    RunPlan, Settings, Summary,
};

/// The contract this SDK builds plugins for, as `package@version`.
pub const CONTRACT: &str = "itam:collector@0.3.0";

/// The generated bindings of `wit/since_v0.3.0`. Private: only the types are re-exported, from
/// [`types`]; the host's functions are wrapped in [`host`], and the exports call the registered
/// plugin (`export.rs`, in WebAssembly only).
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/since_v0.3.0",
        world: "collector",
    });
}

/// A collector plugin: what the host calls, in the order it calls it.
///
/// Implement it and register a value of the type with [`register_collector!`]. The host may run
/// each call in a fresh instance of the component, so keep no state from one call to the next.
///
/// Only [`describe`](Collector::describe) and [`collect`](Collector::collect) are required.
/// Methods added in later versions come with defaults.
pub trait Collector: 'static {
    /// What the plugin is, takes, needs and produces; known without any settings. The host
    /// shows it in `itam plugin inspect` and reads it before every run.
    fn describe(&self) -> Descriptor;

    /// Validates `settings` and says which origins and which credential grant a run will use,
    /// without any I/O. The host allows exactly these origins (the operator may narrow them);
    /// every other request is refused with `HTTP-request-denied`.
    ///
    /// The default is [`settings::plan`] of [`describe`](Collector::describe)'s settings: each
    /// required setting must be given, the origins of the settings named `url` or `…_url`
    /// are declared, and no grant is asked for. Override it when the plugin reaches hosts
    /// another way, rejects unknown settings, or needs a credential (an OAuth grant cannot be
    /// guessed, so the default refuses a descriptor whose credential is not `none`):
    ///
    /// ```
    /// # use itam_plugin_sdk::types::*;
    /// # use itam_plugin_sdk::{Collector, settings};
    /// struct Acme;
    ///
    /// impl Collector for Acme {
    ///     fn describe(&self) -> Descriptor {
    ///         let mut d = Descriptor::new("acme", "0.1.0", "seats from the Acme admin API");
    ///         d.settings = vec![SettingSpec::required("tenant", "the Acme tenant")];
    ///         d.credential = CredentialKind::Oauth2ClientCredentials;
    ///         d
    ///     }
    ///
    ///     fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
    ///         let tenant = settings::require(settings, "tenant")?;
    ///         let (login, api) = ("https://login.acme.example", "https://api.acme.example");
    ///         let grant = Grant::client_credentials(
    ///             format!("{login}/{tenant}/token"),
    ///             "seats.read",
    ///             [api],
    ///         );
    ///         Ok(RunPlan::hosts([login.to_string(), api.to_string()]).grant(grant))
    ///     }
    ///
    ///     fn collect(&self, _: &Settings, _: CollectMode) -> Result<Summary, CollectError> {
    ///         Ok(Summary::new())
    ///     }
    /// }
    ///
    /// let plan = Acme.plan(&vec![("tenant".into(), "t1".into())]).unwrap();
    /// assert_eq!(plan.grant.unwrap().token_url(), "https://login.acme.example/t1/token");
    /// ```
    ///
    /// A service account's key (a descriptor with [`CredentialKind::Oauth2JwtBearer`](
    /// types::CredentialKind::Oauth2JwtBearer)) is asked for with
    /// [`Grant::jwt_bearer`](types::Grant::jwt_bearer) instead.
    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        settings::plan(&self.describe(), settings)
    }

    /// Diagnoses a source cheaply for `itam check`, step by step (token, roles, each endpoint
    /// with the smallest request, optional capabilities), and emits nothing.
    ///
    /// The default says in one `skipped` finding that the plugin has no diagnosis of its own.
    fn check(&self, settings: &Settings) -> Vec<CheckFinding> {
        let _ = settings;
        vec![CheckFinding {
            step: "diagnosis".into(),
            status: CheckStatus::Skipped,
            detail: format!(
                "the {} plugin offers no diagnosis of its own; `itam sync` shows whether collection works",
                self.describe().name
            ),
            fix: None,
        }]
    }

    /// Collects everything, handing entities to the host in batches with [`host::emit`] as
    /// they are read, and stops with [`CollectError::cancelled`] when the host answers
    /// [`Flow::Cancel`](types::Flow::Cancel). Returns what was emitted, or a typed error
    /// written for the person who must fix it.
    fn collect(&self, settings: &Settings, mode: CollectMode) -> Result<Summary, CollectError>;

    /// Collects what changed since the plugin's last successful run of this source, when the
    /// host asks for an incremental run and hands back the state the plugin returned then
    /// ([`CollectRequest::state`]). Entities that changed are emitted as in a full run (each
    /// replaces the host's copy); entities that are gone are named with [`host::remove`]; the
    /// [`Outcome`] says how each kind was read ([`Outcome::coverage`]) and carries the state
    /// for the next run, which the host commits together with this run's snapshot.
    ///
    /// The default reads everything with [`collect`](Collector::collect) and keeps no state.
    fn collect_incremental(
        &self,
        settings: &Settings,
        request: CollectRequest,
    ) -> Result<Outcome, CollectError> {
        self.collect(settings, request.mode).map(Outcome::full)
    }
}

/// Registers the plugin: the component's exports call the [`Collector`] methods of the value
/// `$collector` makes, such as a unit struct's name or `MyPlugin::new()`. It is made once per
/// instance of the component, on the first call.
///
/// Call it exactly once, in the plugin's `cdylib` crate. Outside WebAssembly it only checks
/// its argument, so the crate still builds natively for its tests.
///
/// ```
/// # use itam_plugin_sdk::types::*;
/// struct Empty;
///
/// impl itam_plugin_sdk::Collector for Empty {
///     fn describe(&self) -> Descriptor {
///         Descriptor::new("empty", "0.1.0", "emits nothing")
///     }
///
///     fn collect(&self, _: &Settings, _: CollectMode) -> Result<Summary, CollectError> {
///         Ok(Summary::new())
///     }
/// }
///
/// itam_plugin_sdk::register_collector!(Empty);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! register_collector {
    ($collector:expr) => {
        const _: () = {
            fn new_collector() -> ::std::boxed::Box<dyn $crate::Collector> {
                ::std::boxed::Box::new($collector)
            }

            // The SDK's exports call this to make the plugin (see `export.rs` in the SDK).
            #[cfg(target_arch = "wasm32")]
            #[unsafe(export_name = "itam-plugin-sdk-0.1-new-collector")]
            fn registered() -> ::std::boxed::Box<dyn $crate::Collector> {
                new_collector()
            }

            // Natively nothing calls it; this keeps the plugin checked and used.
            #[cfg(not(target_arch = "wasm32"))]
            let _: fn() -> ::std::boxed::Box<dyn $crate::Collector> = new_collector;
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::CredentialKind;

    struct Quiet;

    impl Collector for Quiet {
        fn describe(&self) -> Descriptor {
            Descriptor::new("quiet", "1.0.0", "emits nothing")
        }

        fn collect(&self, _: &Settings, _: CollectMode) -> Result<Summary, CollectError> {
            Ok(Summary::new())
        }
    }

    register_collector!(Quiet);

    #[test]
    fn the_defaults_plan_no_host_and_check_nothing() {
        let plan = Quiet.plan(&Vec::new()).unwrap();
        assert!(plan.hosts.is_empty() && plan.grant.is_none());
        assert_eq!(Quiet.describe().credential, CredentialKind::None);
        let findings = Quiet.check(&Vec::new());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, CheckStatus::Skipped);
        assert!(
            findings[0]
                .detail
                .starts_with("the quiet plugin offers no diagnosis of its own"),
            "{}",
            findings[0].detail
        );
    }
}
