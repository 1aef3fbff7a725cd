//! The contract's types (`itam:collector@0.3.0`: its `types` and `incremental` interfaces), as
//! Rust values, plus constructors for the common cases.
//!
//! Every type here is generated from the WIT; its documentation is the contract's. Records
//! are plain structs with public fields, variants are enums, and `list<tuple<…>>` aliases
//! such as [`Settings`] are `Vec`s of tuples.

pub use crate::bindings::itam::collector::incremental::{
    CollectRequest, Coverage, MemberLink, Outcome, Removal,
};
pub use crate::bindings::itam::collector::types::{
    Account, AccountKind, Assignment, AssignmentSource, Attributes, AuthError, Batch, CheckFinding,
    CheckStatus, ClientCredentialsGrant, CollectError, CollectMode, CredentialKind, Descriptor,
    Device, EntityKind, Failure, Flow, Grant, Group, GroupLicense, JwtBearerGrant, LogLevel,
    MemberKind, Membership, Permission, Product, RunPlan, ServicePlan, SettingSpec, Settings,
    SignInActivity, Subscription, Summary, TokenFacts, Units,
};

impl CollectRequest {
    /// A request to read everything, with no state.
    pub fn full() -> CollectRequest {
        CollectRequest {
            mode: CollectMode::Full,
            state: None,
            refresh: Vec::new(),
        }
    }
}

impl Outcome {
    /// The outcome of a run that read every kind in full and keeps no state.
    pub fn full(summary: Summary) -> Outcome {
        Outcome {
            summary,
            coverage: Vec::new(),
            state: None,
            full_reason: None,
        }
    }

    /// This outcome with `kind` read as `coverage`.
    pub fn read(mut self, kind: EntityKind, coverage: Coverage) -> Outcome {
        self.coverage.retain(|(k, _)| *k != kind);
        self.coverage.push((kind, coverage));
        self
    }

    /// This outcome with the state to hand back at the start of the next run.
    pub fn state(mut self, state: Vec<u8>) -> Outcome {
        self.state = Some(state);
        self
    }
}

impl Descriptor {
    /// A descriptor with a name, a version and a one-sentence description, taking no setting,
    /// needing no credential or permission, and producing nothing yet: fill in the rest.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        description: impl Into<String>,
    ) -> Descriptor {
        Descriptor {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            settings: Vec::new(),
            credential: CredentialKind::None,
            permissions: Vec::new(),
            produces: Vec::new(),
        }
    }
}

impl SettingSpec {
    /// A setting the plugin refuses to run without.
    pub fn required(name: impl Into<String>, description: impl Into<String>) -> SettingSpec {
        SettingSpec {
            name: name.into(),
            description: description.into(),
            required: true,
            default_value: None,
        }
    }

    /// An optional setting and the value used when it is absent, if any.
    pub fn optional(
        name: impl Into<String>,
        description: impl Into<String>,
        default_value: Option<&str>,
    ) -> SettingSpec {
        SettingSpec {
            name: name.into(),
            description: description.into(),
            required: false,
            default_value: default_value.map(str::to_string),
        }
    }
}

impl RunPlan {
    /// A plan that contacts `hosts` (origins, `scheme://host[:port]`) and asks for no grant.
    pub fn hosts(hosts: impl IntoIterator<Item = String>) -> RunPlan {
        RunPlan {
            hosts: hosts.into_iter().collect(),
            grant: None,
        }
    }

    /// This plan asking the host for `grant`. Its token URL's origin must be among the plan's
    /// hosts, as must its resource hosts.
    pub fn grant(mut self, grant: Grant) -> RunPlan {
        self.grant = Some(grant);
        self
    }
}

impl Grant {
    /// A client-credentials grant: the host obtains a token from `token_url` for `scope` (e.g.
    /// `https://graph.microsoft.com/.default`) with the source's client secret or certificate,
    /// and attaches it to requests for `resource_hosts` (origins, `scheme://host[:port]`).
    ///
    /// ```
    /// # use itam_plugin_sdk::types::*;
    /// let grant = Grant::client_credentials(
    ///     "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token",
    ///     "https://graph.microsoft.com/.default",
    ///     ["https://graph.microsoft.com"],
    /// );
    /// assert!(matches!(&grant, Grant::ClientCredentials(g) if g.scope.ends_with("/.default")));
    /// ```
    pub fn client_credentials(
        token_url: impl Into<String>,
        scope: impl Into<String>,
        resource_hosts: impl IntoIterator<Item = impl Into<String>>,
    ) -> Grant {
        Grant::ClientCredentials(ClientCredentialsGrant {
            token_url: token_url.into(),
            scope: scope.into(),
            resource_hosts: resource_hosts.into_iter().map(Into::into).collect(),
        })
    }

    /// A JWT-bearer grant (RFC 7523): the host signs an assertion for `scopes` with the
    /// service account's private key, acting as `subject` (a user, for domain-wide
    /// delegation) or, when none, as the service account itself, posts it to `token_url`, and
    /// attaches the token to requests for `resource_hosts` (origins, `scheme://host[:port]`).
    ///
    /// ```
    /// # use itam_plugin_sdk::types::*;
    /// let grant = Grant::jwt_bearer(
    ///     "https://oauth2.googleapis.com/token",
    ///     ["https://www.googleapis.com/auth/admin.directory.user.readonly"],
    ///     Some("admin@example.com"),
    ///     ["https://admin.googleapis.com"],
    /// );
    /// assert_eq!(grant.token_url(), "https://oauth2.googleapis.com/token");
    /// assert_eq!(grant.resource_hosts(), ["https://admin.googleapis.com"]);
    /// ```
    pub fn jwt_bearer(
        token_url: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        subject: Option<&str>,
        resource_hosts: impl IntoIterator<Item = impl Into<String>>,
    ) -> Grant {
        Grant::JwtBearer(JwtBearerGrant {
            token_url: token_url.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            subject: subject.map(str::to_string),
            resource_hosts: resource_hosts.into_iter().map(Into::into).collect(),
        })
    }

    /// The token endpoint URL, whatever the kind of grant.
    pub fn token_url(&self) -> &str {
        match self {
            Grant::ClientCredentials(g) => &g.token_url,
            Grant::JwtBearer(g) => &g.token_url,
        }
    }

    /// The origins whose requests get the token attached, whatever the kind of grant.
    pub fn resource_hosts(&self) -> &[String] {
        match self {
            Grant::ClientCredentials(g) => &g.resource_hosts,
            Grant::JwtBearer(g) => &g.resource_hosts,
        }
    }

    /// The origins whose requests get the token attached, to amend.
    pub fn resource_hosts_mut(&mut self) -> &mut Vec<String> {
        match self {
            Grant::ClientCredentials(g) => &mut g.resource_hosts,
            Grant::JwtBearer(g) => &mut g.resource_hosts,
        }
    }

    /// The credential kind a descriptor declares for this grant.
    pub fn credential_kind(&self) -> CredentialKind {
        match self {
            Grant::ClientCredentials(_) => CredentialKind::Oauth2ClientCredentials,
            Grant::JwtBearer(_) => CredentialKind::Oauth2JwtBearer,
        }
    }
}

impl Flow {
    /// Whether the host asked the plugin to stop (then return [`CollectError::cancelled`]).
    pub fn is_cancel(self) -> bool {
        self == Flow::Cancel
    }
}

impl Failure {
    /// A failure with only a message: no fix, status, code or request ID.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            fix: None,
            status: None,
            code: None,
            request_id: None,
        }
    }

    /// This failure with `fix`, how to fix it.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Failure {
        self.fix = Some(fix.into());
        self
    }

    /// This failure with the HTTP status of the failing answer.
    pub fn with_status(mut self, status: u16) -> Failure {
        self.status = Some(status);
        self
    }

    /// This failure with the remote service's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Failure {
        self.code = Some(code.into());
        self
    }
}

impl CollectError {
    /// An `invalid-config` error: the settings are wrong and nothing was sent.
    pub fn invalid_config(message: impl Into<String>, fix: impl Into<String>) -> CollectError {
        CollectError::InvalidConfig(Failure::new(message).with_fix(fix))
    }

    /// An `internal` error: a bug, or an answer the plugin could not understand.
    pub fn internal(message: impl Into<String>) -> CollectError {
        CollectError::Internal(Failure::new(message))
    }

    /// The `cancelled` error to return when [`host::emit`](crate::host::emit) answered
    /// [`Flow::Cancel`].
    pub fn cancelled() -> CollectError {
        CollectError::Cancelled(Failure::new("the host asked the plugin to stop"))
    }

    /// The details, whatever the kind of error.
    pub fn failure(&self) -> &Failure {
        match self {
            CollectError::InvalidConfig(f)
            | CollectError::Unauthorized(f)
            | CollectError::Forbidden(f)
            | CollectError::Throttled(f)
            | CollectError::Upstream(f)
            | CollectError::Network(f)
            | CollectError::Denied(f)
            | CollectError::Cancelled(f)
            | CollectError::Internal(f) => f,
        }
    }

    /// The details, whatever the kind of error, to amend.
    pub fn failure_mut(&mut self) -> &mut Failure {
        match self {
            CollectError::InvalidConfig(f)
            | CollectError::Unauthorized(f)
            | CollectError::Forbidden(f)
            | CollectError::Throttled(f)
            | CollectError::Upstream(f)
            | CollectError::Network(f)
            | CollectError::Denied(f)
            | CollectError::Cancelled(f)
            | CollectError::Internal(f) => f,
        }
    }
}

impl Summary {
    /// An empty summary: no counts, warnings, data-quality notes or facts.
    pub fn new() -> Summary {
        Summary {
            counts: Vec::new(),
            warnings: Vec::new(),
            data_quality: Vec::new(),
            facts: Vec::new(),
        }
    }

    /// This summary with `n` entities of `kind` emitted (e.g. `("accounts", 5000)`).
    pub fn count(mut self, kind: impl Into<String>, n: u64) -> Summary {
        self.counts.push((kind.into(), n));
        self
    }

    /// This summary with a fact about the source (e.g. `("organization", "Contoso")`).
    pub fn fact(mut self, name: impl Into<String>, value: impl Into<String>) -> Summary {
        self.facts.push((name.into(), value.into()));
        self
    }
}

impl Default for Summary {
    fn default() -> Summary {
        Summary::new()
    }
}

impl Account {
    /// A live, enabled member account with an ID and a sign-in name, and nothing else.
    pub fn new(id: impl Into<String>, principal_name: impl Into<String>) -> Account {
        Account {
            id: id.into(),
            principal_name: principal_name.into(),
            display_name: None,
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
}

impl Units {
    /// `enabled` usable units, and none in their grace period, suspended or locked out.
    pub fn new(enabled: u64) -> Units {
        Units {
            enabled,
            warning: 0,
            suspended: 0,
            locked_out: 0,
        }
    }
}

impl Product {
    /// An `Enabled` product with `enabled` usable units (and none in any other state), none
    /// consumed, no display name and no service plan.
    pub fn new(id: impl Into<String>, part_number: impl Into<String>, enabled: u64) -> Product {
        Product::with_unknown_units(id, part_number).units(Units::new(enabled))
    }

    /// An `Enabled` product whose purchased units the source does not tell (`units` is none:
    /// reports show its balance as unknown, never as zero), none consumed, no display name and
    /// no service plan. Say why in the summary's data-quality notes.
    pub fn with_unknown_units(id: impl Into<String>, part_number: impl Into<String>) -> Product {
        Product {
            id: id.into(),
            part_number: part_number.into(),
            display_name: None,
            status: "Enabled".into(),
            units: None,
            consumed: 0,
            plans: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// This product with the name its vendor sells it under (reports prefer it to any
    /// catalogue of the host).
    pub fn display_name(mut self, display_name: impl Into<String>) -> Product {
        self.display_name = Some(display_name.into());
        self
    }

    /// This product with `units` bought, by state.
    pub fn units(mut self, units: Units) -> Product {
        self.units = Some(units);
        self
    }
}

impl Assignment {
    /// A direct, `Active` assignment of a product to an account, without error or disabled
    /// plans.
    pub fn direct(account_id: impl Into<String>, product_id: impl Into<String>) -> Assignment {
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
}

impl Batch {
    /// How many entities the batch holds.
    pub fn len(&self) -> usize {
        match self {
            Batch::Accounts(v) => v.len(),
            Batch::Groups(v) => v.len(),
            Batch::Memberships(v) => v.len(),
            Batch::Products(v) => v.len(),
            Batch::Assignments(v) => v.len(),
            Batch::GroupLicenses(v) => v.len(),
            Batch::Subscriptions(v) => v.len(),
            Batch::Devices(v) => v.len(),
            Batch::SignIns(v) => v.len(),
        }
    }

    /// Whether the batch holds no entity.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_product_has_only_enabled_units_and_no_display_name() {
        let p = Product::new("sku-1", "PACK", 25);
        let units = p.units.expect("units");
        assert_eq!(
            (
                units.enabled,
                units.warning,
                units.suspended,
                units.locked_out
            ),
            (25, 0, 0, 0)
        );
        assert_eq!((p.status.as_str(), p.consumed), ("Enabled", 0));
        assert!(p.display_name.is_none() && p.plans.is_empty() && p.attributes.is_empty());
    }

    #[test]
    fn a_product_may_leave_its_units_unknown_and_carry_its_name() {
        let p = Product::with_unknown_units("sku-2", "BUSINESS_STANDARD")
            .display_name("Business Standard");
        assert!(p.units.is_none());
        assert_eq!(p.display_name.as_deref(), Some("Business Standard"));
        let p = p.units(Units {
            warning: 2,
            ..Units::new(3)
        });
        assert_eq!(p.units.map(|u| (u.enabled, u.warning)), Some((3, 2)));
    }

    #[test]
    fn grants_of_either_kind_share_their_token_url_and_resource_hosts() {
        let mut cc = Grant::client_credentials(
            "https://login.example/t",
            "s/.default",
            ["https://api.example"],
        );
        assert_eq!(cc.token_url(), "https://login.example/t");
        assert_eq!(
            cc.credential_kind(),
            CredentialKind::Oauth2ClientCredentials
        );
        cc.resource_hosts_mut().push("https://other.example".into());
        assert_eq!(
            cc.resource_hosts(),
            ["https://api.example", "https://other.example"]
        );

        let jwt = Grant::jwt_bearer(
            "https://oauth2.example/token",
            ["a", "b"],
            None,
            Vec::<String>::new(),
        );
        assert_eq!(jwt.credential_kind(), CredentialKind::Oauth2JwtBearer);
        let Grant::JwtBearer(g) = &jwt else {
            panic!("{jwt:?}")
        };
        assert_eq!(g.scopes, ["a", "b"]);
        assert!(g.subject.is_none() && jwt.resource_hosts().is_empty());

        let plan = RunPlan::hosts(["https://oauth2.example".to_string()]).grant(jwt);
        assert!(matches!(plan.grant, Some(Grant::JwtBearer(_))));
    }
}
