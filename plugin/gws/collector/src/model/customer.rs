//! The customer (`admin#directory#customer`, `customers.get`).

use serde::Deserialize;

/// A customer account.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Customer {
    /// The customer ID (e.g. `C01234567`), which `my_customer` stands for.
    pub id: String,
    /// The primary domain.
    pub customer_domain: Option<String>,
    /// When the customer was created, RFC 3339.
    pub customer_creation_time: Option<String>,
    /// The postal address, which holds the organisation's name.
    pub postal_address: Option<PostalAddress>,
}

/// `postalAddress`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct PostalAddress {
    /// The organisation's name.
    pub organization_name: Option<String>,
}

impl Customer {
    /// The organisation's name, if the customer gives one.
    pub fn organization(&self) -> Option<&str> {
        self.postal_address
            .as_ref()
            .and_then(|a| a.organization_name.as_deref())
            .filter(|n| !n.trim().is_empty())
    }
}
