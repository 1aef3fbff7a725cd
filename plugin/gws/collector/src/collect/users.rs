//! Users, page by page: accounts and their last sign-in, and the index of who is in the
//! directory (for memberships and licence assignments).

use super::tally::{Tally, emit};
use crate::client::Google;
use crate::hostapi::HostApi;
use crate::model::{User, UsersPage};
use crate::settings::GwsSettings;
use crate::transport::{Transport, encode};
use crate::types::{Batch, CollectError};
use std::collections::{HashMap, HashSet};

/// The page size of `users.list` (Google's maximum).
pub const PAGE_SIZE: u32 = 500;

/// Who is in the directory.
#[derive(Debug, Default)]
pub struct Directory {
    /// Primary address in lower case → user ID.
    pub by_address: HashMap<String, String>,
    /// Every user ID.
    pub ids: HashSet<String>,
}

impl Directory {
    /// The ID of the user whose primary address is `address` (compared without case).
    pub fn user_id(&self, address: &str) -> Option<&str> {
        self.by_address
            .get(&address.to_lowercase())
            .map(String::as_str)
    }
}

/// The URL of the first page of `users.list` for `customer_id`, `size` users a page.
pub fn url(settings: &GwsSettings, customer_id: &str, size: u32) -> String {
    format!(
        "{}/users?customer={}&maxResults={size}&projection=basic",
        settings.directory_base(),
        encode(customer_id)
    )
}

/// Reads every user, emitting accounts and sign-in activity page by page.
pub fn read<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
    customer_id: &str,
    tally: &mut Tally,
) -> Result<Directory, CollectError> {
    let mut directory = Directory::default();
    google.for_each_page(
        &url(settings, customer_id, PAGE_SIZE),
        |host, page: UsersPage| {
            let users: Vec<User> = page
                .users
                .into_iter()
                .filter(|u| !u.id.is_empty() && directory.ids.insert(u.id.clone()))
                .collect();
            for user in &users {
                directory
                    .by_address
                    .insert(user.primary_email.to_lowercase(), user.id.clone());
            }
            let accounts = users.iter().map(User::to_account).collect();
            let sign_ins = users.iter().map(User::sign_in).collect();
            let done = emit(host, tally, "accounts", accounts, Batch::Accounts)?;
            emit(host, tally, "sign_ins", sign_ins, Batch::SignIns)?;
            host.progress("users", done, None);
            Ok(())
        },
    )?;
    Ok(directory)
}
