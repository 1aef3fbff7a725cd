//! What the plugin hands the host at the end of a run and gets back at the start of the next:
//! the delta links of users, groups and devices, and what an incremental run must know that
//! delta queries do not tell it (each product's purchased units, and the licences of the groups
//! that assign them). The host stores it opaquely; it is JSON so that it can be inspected.

use crate::delta::LINK_LIFETIME_SECS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state's format; another value (an older or newer plugin's) reads in full.
const VERSION: u32 = 1;

/// A product's purchased units: enabled, warning, suspended, locked out.
pub type Units = [u64; 4];

/// The plugin's state between runs of one source.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DeltaState {
    /// [`VERSION`].
    pub version: u32,
    /// The Graph root and tenant the links belong to.
    pub source: String,
    /// When the links' rounds began (unix seconds): Graph keeps a link 7 days from then.
    pub started_at: u64,
    /// Where the next users round starts.
    pub users: String,
    /// Where the next groups round starts.
    pub groups: String,
    /// Where the next devices round starts.
    pub devices: String,
    /// Purchased units per product at the end of the run.
    pub units: BTreeMap<String, Units>,
    /// The product IDs each licence-assigning group assigns.
    pub licence_groups: BTreeMap<String, Vec<String>>,
}

impl DeltaState {
    /// The state to continue from, or why the run must read in full.
    pub fn load(bytes: Option<&[u8]>, source: &str, now: u64) -> Result<DeltaState, String> {
        let Some(bytes) = bytes else {
            return Err("no delta links from an earlier run".into());
        };
        let state: DeltaState = serde_json::from_slice(bytes)
            .map_err(|_| "the saved delta links could not be read".to_string())?;
        if state.version != VERSION {
            return Err(format!(
                "the saved delta links are in another format (version {}); this plugin writes version {VERSION}",
                state.version
            ));
        }
        if state.source != source {
            return Err(
                "the source's tenant or Graph address changed since its delta links were saved"
                    .into(),
            );
        }
        let age = now.saturating_sub(state.started_at);
        if age >= LINK_LIFETIME_SECS {
            return Err(format!(
                "the delta links are {} days old; Graph keeps them for 7",
                age / 86400
            ));
        }
        Ok(state)
    }

    /// The bytes handed to the host.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data serializes")
    }

    /// A new state in the current format.
    pub fn new(source: &str, started_at: u64) -> DeltaState {
        DeltaState {
            version: VERSION,
            source: source.to_string(),
            started_at,
            users: String::new(),
            groups: String::new(),
            devices: String::new(),
            units: BTreeMap::new(),
            licence_groups: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_used_only_by_its_source_in_its_format_within_seven_days() {
        let state = DeltaState::new("https://graph/v1.0 contoso", 1_000);
        let bytes = state.to_bytes();
        let source = "https://graph/v1.0 contoso";
        assert_eq!(
            DeltaState::load(Some(&bytes), source, 2_000),
            Ok(state.clone())
        );
        let too_old = DeltaState::load(Some(&bytes), source, 1_000 + 7 * 86400).unwrap_err();
        assert!(
            too_old.contains("7 days old; Graph keeps them for 7"),
            "{too_old}"
        );
        assert!(
            DeltaState::load(Some(&bytes), "https://graph/v1.0 fabrikam", 2_000)
                .unwrap_err()
                .contains("tenant or Graph address changed")
        );
        assert!(DeltaState::load(None, source, 2_000).is_err());
        assert!(DeltaState::load(Some(b"{}"), source, 2_000).is_err());
        let mut other = state;
        other.version = 9;
        assert!(
            DeltaState::load(Some(&other.to_bytes()), source, 2_000)
                .unwrap_err()
                .contains("version 9")
        );
    }
}
