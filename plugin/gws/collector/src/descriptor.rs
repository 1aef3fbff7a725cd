//! What the plugin is, takes, needs and produces.

use crate::types::{CredentialKind, Descriptor, EntityKind};

/// The descriptor `describe` returns.
pub fn descriptor() -> Descriptor {
    Descriptor {
        name: crate::NAME.into(),
        version: crate::VERSION.into(),
        description: "Google Workspace users, sign-ins, groups, licence assignments and products (with subscriptions and seats where the Reseller API answers) from the Admin SDK, through a service account's domain-wide delegation".into(),
        settings: crate::settings::specs(),
        credential: CredentialKind::Oauth2JwtBearer,
        permissions: crate::scopes::permissions(),
        produces: vec![
            EntityKind::Account,
            EntityKind::SignInActivity,
            EntityKind::Group,
            EntityKind::Membership,
            EntityKind::Product,
            EntityKind::Assignment,
            EntityKind::Subscription,
        ],
    }
}
