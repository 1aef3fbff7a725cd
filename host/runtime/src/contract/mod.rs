//! The `itam:collector` contract as the host sees it: one module per released version of the
//! WIT package (`wit/since_vX.Y.Z/`), the version a component was built against, and the calls
//! dispatched to the bindings of that version.
//!
//! Every version's host imports are added to the one linker (their names carry the version, so
//! they do not collide), and every call returns the newest version's types: a later version
//! converts what an earlier one returns here, so policy, sinks and stores know one set of types.

pub(crate) mod convert;
pub mod v0_1_0;
pub mod v0_2_0;
pub mod v0_3_0;

use anyhow::Result;
use convert::Convert;
use types::{CheckFinding, CollectError, CollectRequest, Descriptor, Outcome, RunPlan, Settings};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

/// The entities, summaries and errors plugins exchange with the host (the newest version's).
pub mod types {
    pub use super::v0_3_0::itam::collector::incremental::{
        CollectRequest, Coverage, MemberLink, Outcome, Removal,
    };
    pub use super::v0_3_0::itam::collector::types::*;

    impl Outcome {
        /// The outcome of a run that read every kind in full and keeps no state: what a
        /// plugin built against contract 0.1.0 returns.
        pub fn full(summary: Summary) -> Outcome {
            Outcome {
                summary,
                coverage: Vec::new(),
                state: None,
                full_reason: None,
            }
        }

        /// How the run read `kind` (a kind the plugin did not list was read in full).
        pub fn coverage_of(&self, kind: EntityKind) -> Coverage {
            self.coverage
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(Coverage::Full, |(_, c)| *c)
        }

        /// Whether the run read only changes of some kind (or kept some kind as it was).
        pub fn is_incremental(&self) -> bool {
            self.coverage.iter().any(|(_, c)| *c != Coverage::Full)
        }
    }

    impl EntityKind {
        /// The kind as the contract (WIT) names it, e.g. `sign-in-activity`.
        pub fn wit_name(self) -> &'static str {
            match self {
                EntityKind::Account => "account",
                EntityKind::Group => "group",
                EntityKind::Membership => "membership",
                EntityKind::Product => "product",
                EntityKind::Assignment => "assignment",
                EntityKind::GroupLicense => "group-license",
                EntityKind::Subscription => "subscription",
                EntityKind::Device => "device",
                EntityKind::SignInActivity => "sign-in-activity",
            }
        }
    }

    impl Grant {
        /// The token endpoint URL.
        pub fn token_url(&self) -> &str {
            match self {
                Grant::ClientCredentials(g) => &g.token_url,
                Grant::JwtBearer(g) => &g.token_url,
            }
        }

        /// The origins whose requests get the token attached.
        pub fn resource_hosts(&self) -> &[String] {
            match self {
                Grant::ClientCredentials(g) => &g.resource_hosts,
                Grant::JwtBearer(g) => &g.resource_hosts,
            }
        }

        /// Whether `other` asks for the same token for the same hosts.
        pub fn same_as(&self, other: &Grant) -> bool {
            match (self, other) {
                (Grant::ClientCredentials(a), Grant::ClientCredentials(b)) => {
                    a.token_url == b.token_url
                        && a.scope == b.scope
                        && a.resource_hosts == b.resource_hosts
                }
                (Grant::JwtBearer(a), Grant::JwtBearer(b)) => {
                    a.token_url == b.token_url
                        && a.scopes == b.scopes
                        && a.subject == b.subject
                        && a.resource_hosts == b.resource_hosts
                }
                _ => false,
            }
        }
    }

    impl CollectRequest {
        /// A request to read everything.
        pub fn full() -> CollectRequest {
            CollectRequest {
                mode: CollectMode::Full,
                state: None,
                refresh: Vec::new(),
            }
        }
    }
}

/// The contract's WIT package name.
pub const PACKAGE: &str = "itam:collector";

/// A released version of the contract that this host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContractVersion {
    /// `itam:collector@0.1.0` (`wit/since_v0.1.0/`).
    V0_1_0,
    /// `itam:collector@0.2.0` (`wit/since_v0.2.0/`): incremental collection.
    V0_2_0,
    /// `itam:collector@0.3.0` (`wit/since_v0.3.0/`): the JWT-bearer grant, products with
    /// unknown units and display names, external members.
    V0_3_0,
}

impl ContractVersion {
    /// Every version this host runs, oldest first.
    pub const ALL: &[ContractVersion] = &[
        ContractVersion::V0_1_0,
        ContractVersion::V0_2_0,
        ContractVersion::V0_3_0,
    ];

    /// The version as written in WIT (`0.1.0`).
    pub fn semver(self) -> &'static str {
        match self {
            ContractVersion::V0_1_0 => "0.1.0",
            ContractVersion::V0_2_0 => "0.2.0",
            ContractVersion::V0_3_0 => "0.3.0",
        }
    }

    /// The version whose `plugin` interface `component` exports. An error says which version
    /// the component was built against, or that it is no collector at all.
    pub fn of(component: &Component, engine: &Engine) -> Result<ContractVersion, String> {
        let ty = component.component_type();
        let prefix = format!("{PACKAGE}/plugin@");
        let declared: Vec<String> = ty
            .exports(engine)
            .filter_map(|(name, _)| name.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let Some(version) = declared.first() else {
            return Err(format!(
                "the component exports no `{PACKAGE}/plugin` interface: it is not a collector plugin (build it against a folder of wit/, e.g. with the plugin SDK)"
            ));
        };
        ContractVersion::ALL
            .iter()
            .copied()
            .find(|v| v.semver() == version)
            .ok_or_else(|| {
                format!(
                    "the plugin was built against {PACKAGE}@{version}, which this host does not run (it runs {}); rebuild the plugin against one of those, or upgrade itam",
                    ContractVersion::ALL
                        .iter()
                        .map(|v| v.semver())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

impl std::fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.semver())
    }
}

/// Adds the host imports of every version to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<crate::state::RunState>) -> Result<()> {
    v0_1_0::Collector::add_to_linker::<_, HasSelf<crate::state::RunState>>(linker, |s| s)?;
    v0_2_0::Collector::add_to_linker::<_, HasSelf<crate::state::RunState>>(linker, |s| s)?;
    v0_3_0::Collector::add_to_linker::<_, HasSelf<crate::state::RunState>>(linker, |s| s)?;
    Ok(())
}

/// An instantiated plugin, bound through the bindings of the version it was built against.
pub(crate) enum Instance {
    V0_1_0(v0_1_0::Collector),
    V0_2_0(v0_2_0::Collector),
    V0_3_0(v0_3_0::Collector),
}

type RunStore = Store<crate::state::RunState>;

impl Instance {
    /// Instantiates `component` (whose version is `version`).
    pub(crate) async fn new(
        version: ContractVersion,
        store: &mut RunStore,
        component: &Component,
        linker: &Linker<crate::state::RunState>,
    ) -> Result<Instance> {
        Ok(match version {
            ContractVersion::V0_1_0 => Instance::V0_1_0(
                v0_1_0::Collector::instantiate_async(store, component, linker).await?,
            ),
            ContractVersion::V0_2_0 => Instance::V0_2_0(
                v0_2_0::Collector::instantiate_async(store, component, linker).await?,
            ),
            ContractVersion::V0_3_0 => Instance::V0_3_0(
                v0_3_0::Collector::instantiate_async(store, component, linker).await?,
            ),
        })
    }

    pub(crate) async fn describe(&self, store: &mut RunStore) -> Result<Descriptor> {
        match self {
            Instance::V0_1_0(b) => Ok(b
                .itam_collector_plugin()
                .call_describe(store)
                .await?
                .convert()),
            Instance::V0_2_0(b) => Ok(b
                .itam_collector_plugin()
                .call_describe(store)
                .await?
                .convert()),
            Instance::V0_3_0(b) => Ok(b.itam_collector_plugin().call_describe(store).await?),
        }
    }

    pub(crate) async fn plan(
        &self,
        store: &mut RunStore,
        settings: &Settings,
    ) -> Result<Result<RunPlan, CollectError>> {
        match self {
            Instance::V0_1_0(b) => Ok(raise(
                b.itam_collector_plugin().call_plan(store, settings).await?,
            )),
            Instance::V0_2_0(b) => Ok(raise(
                b.itam_collector_plugin().call_plan(store, settings).await?,
            )),
            Instance::V0_3_0(b) => Ok(b.itam_collector_plugin().call_plan(store, settings).await?),
        }
    }

    pub(crate) async fn check(
        &self,
        store: &mut RunStore,
        settings: &Settings,
    ) -> Result<Vec<CheckFinding>> {
        match self {
            Instance::V0_1_0(b) => Ok(b
                .itam_collector_plugin()
                .call_check(store, settings)
                .await?
                .convert()),
            Instance::V0_2_0(b) => Ok(b
                .itam_collector_plugin()
                .call_check(store, settings)
                .await?
                .convert()),
            Instance::V0_3_0(b) => Ok(b
                .itam_collector_plugin()
                .call_check(store, settings)
                .await?),
        }
    }

    pub(crate) async fn collect(
        &self,
        store: &mut RunStore,
        settings: &Settings,
        request: &CollectRequest,
    ) -> Result<Result<Outcome, CollectError>> {
        match self {
            // 0.1.0 knows no state: it is asked for its mode only and reads everything.
            Instance::V0_1_0(b) => Ok(raise(
                b.itam_collector_plugin()
                    .call_collect(store, settings, request.mode.convert())
                    .await?,
            )
            .map(Outcome::full)),
            Instance::V0_2_0(b) => Ok(raise(
                b.itam_collector_plugin()
                    .call_collect(store, settings, &request.clone().convert())
                    .await?,
            )),
            Instance::V0_3_0(b) => Ok(b
                .itam_collector_plugin()
                .call_collect(store, settings, request)
                .await?),
        }
    }
}

/// An earlier version's result, in the newest version's types.
fn raise<T: Convert<U>, E: Convert<CollectError>, U>(
    result: Result<T, E>,
) -> Result<U, CollectError> {
    result.map(Convert::convert).map_err(Convert::convert)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component exporting the `plugin` interface of contract version `version` (with one
    /// function, which is all the version check looks at).
    fn exporting(version: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                 (core module $m (func (export "f")))
                 (core instance $i (instantiate $m))
                 (func $f (canon lift (core func $i "f")))
                 (instance $plugin (export "describe" (func $f)))
                 (export "itam:collector/plugin@{version}" (instance $plugin)))"#
        ))
        .unwrap()
    }

    fn version_of(wasm: &[u8]) -> Result<ContractVersion, String> {
        let engine = Engine::default();
        ContractVersion::of(&Component::new(&engine, wasm).unwrap(), &engine)
    }

    #[test]
    fn a_component_is_bound_by_the_version_it_exports() {
        assert_eq!(version_of(&exporting("0.1.0")), Ok(ContractVersion::V0_1_0));
        assert_eq!(version_of(&exporting("0.2.0")), Ok(ContractVersion::V0_2_0));
        assert_eq!(version_of(&exporting("0.3.0")), Ok(ContractVersion::V0_3_0));
        let old = std::fs::read(hostile_build::CONTRACT_V0_1_0).unwrap();
        assert_eq!(version_of(&old), Ok(ContractVersion::V0_1_0));
        let old = std::fs::read(hostile_build::CONTRACT_V0_2_0).unwrap();
        assert_eq!(version_of(&old), Ok(ContractVersion::V0_2_0));
        let sdk = std::fs::read(hostile_build::WELL_BEHAVED).unwrap();
        assert_eq!(version_of(&sdk), Ok(ContractVersion::V0_3_0));
    }

    #[test]
    fn an_unknown_version_or_no_collector_is_refused_with_what_to_do() {
        let e = version_of(&exporting("0.9.0")).unwrap_err();
        assert_eq!(
            e,
            "the plugin was built against itam:collector@0.9.0, which this host does not run (it runs 0.1.0, 0.2.0, 0.3.0); rebuild the plugin against one of those, or upgrade itam"
        );
        let e = version_of(&std::fs::read(hostile_build::NOT_COLLECTOR).unwrap()).unwrap_err();
        assert!(
            e.contains("exports no `itam:collector/plugin` interface"),
            "{e}"
        );
    }
}
