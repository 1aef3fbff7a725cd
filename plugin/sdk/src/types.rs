//! The contract's types (`itam:collector@0.2.0`: its `types` and `incremental` interfaces), as Rust values, plus constructors for
//! the common cases.
//!
//! Every type here is generated from the WIT; its documentation is the contract's. Records
//! are plain structs with public fields, variants are enums, and `list<tuple<…>>` aliases
//! such as [`Settings`] are `Vec`s of tuples.

pub use crate::bindings::itam::collector::incremental::{
    CollectRequest, Coverage, MemberLink, Outcome, Removal,
};
pub use crate::bindings::itam::collector::types::{
    Account, AccountKind, Assignment, AssignmentSource, Attributes, AuthError, Batch, CheckFinding,
    CheckStatus, CollectError, CollectMode, CredentialKind, Descriptor, Device, EntityKind,
    Failure, Flow, Grant, Group, GroupLicense, LogLevel, MemberKind, Membership, Permission,
    Product, RunPlan, ServicePlan, SettingSpec, Settings, SignInActivity, Subscription, Summary,
    TokenFacts,
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

impl Product {
    /// An `Enabled` product with `enabled` usable units, none consumed, and no service plan.
    pub fn new(id: impl Into<String>, part_number: impl Into<String>, enabled: u64) -> Product {
        Product {
            id: id.into(),
            part_number: part_number.into(),
            status: "Enabled".into(),
            enabled,
            warning: 0,
            suspended: 0,
            locked_out: 0,
            consumed: 0,
            plans: Vec::new(),
            attributes: Vec::new(),
        }
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
