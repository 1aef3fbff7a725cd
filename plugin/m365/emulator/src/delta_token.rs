//! The state tokens of delta queries. Opaque to clients, as Graph's are: a `$skiptoken` pins
//! a round to the generations it diffs and says where the next page starts; a `$deltatoken`
//! names the generation the next round starts from. Both carry the query's `$select` and
//! `$filter` (Graph encodes the initial query options into its tokens), the emulator instance
//! that issued them and the epoch of [`crate::Emulator::expire_delta_tokens`].

use crate::generation::Resource;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// What a token says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct DeltaState {
    /// `s` in a `$skiptoken`, `d` in a `$deltatoken`.
    #[serde(rename = "k")]
    kind: char,
    /// The resource queried.
    #[serde(rename = "r")]
    pub(crate) resource: Resource,
    /// The emulator that issued it.
    #[serde(rename = "i")]
    pub(crate) instance: u64,
    /// Its epoch when issued.
    #[serde(rename = "e")]
    pub(crate) epoch: u64,
    /// The generation the round diffs from; `None` in a first round (everything is listed).
    #[serde(rename = "f")]
    pub(crate) from: Option<u64>,
    /// The generation the round lists or diffs to; in a `$deltatoken`, the one the next round
    /// starts from.
    #[serde(rename = "t")]
    pub(crate) to: u64,
    /// Where the next page starts, in the round's items.
    #[serde(rename = "o")]
    pub(crate) offset: usize,
    /// The query's `$select`.
    #[serde(rename = "s")]
    pub(crate) select: Option<String>,
    /// The object IDs of the query's `$filter`.
    #[serde(rename = "q")]
    pub(crate) filter: Option<Vec<String>>,
}

const SKIP: char = 's';
const DELTA: char = 'd';

impl DeltaState {
    /// The state of a round (for its `$skiptoken`s).
    pub(crate) fn round(
        resource: Resource,
        instance: u64,
        epoch: u64,
        from: Option<u64>,
        to: u64,
    ) -> DeltaState {
        DeltaState {
            kind: SKIP,
            resource,
            instance,
            epoch,
            from,
            to,
            offset: 0,
            select: None,
            filter: None,
        }
    }

    /// The `$skiptoken` of the page starting at `offset`.
    pub(crate) fn skip_token(&self, offset: usize) -> String {
        encode(&DeltaState {
            kind: SKIP,
            offset,
            ..self.clone()
        })
    }

    /// The `$deltatoken` for a round starting from generation `to`.
    pub(crate) fn delta_token(&self) -> String {
        encode(&DeltaState {
            kind: DELTA,
            from: None,
            offset: 0,
            ..self.clone()
        })
    }

    /// A `$skiptoken`'s state, if it is one of the emulator's.
    pub(crate) fn from_skip_token(token: &str) -> Option<DeltaState> {
        decode(token).filter(|s| s.kind == SKIP)
    }

    /// A `$deltatoken`'s state, if it is one of the emulator's.
    pub(crate) fn from_delta_token(token: &str) -> Option<DeltaState> {
        decode(token).filter(|s| s.kind == DELTA)
    }
}

fn encode(state: &DeltaState) -> String {
    let json = serde_json::to_vec(state).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode(token: &str) -> Option<DeltaState> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_keep_their_kind() {
        let mut round = DeltaState::round(Resource::Groups, 7, 1, Some(2), 5);
        round.select = Some("id,members".into());
        round.filter = Some(vec!["a".into()]);
        let skip = round.skip_token(40);
        let back = DeltaState::from_skip_token(&skip).unwrap();
        assert_eq!((back.offset, back.from, back.to), (40, Some(2), 5));
        assert_eq!(back.select.as_deref(), Some("id,members"));
        assert!(DeltaState::from_delta_token(&skip).is_none());
        let delta = DeltaState::from_delta_token(&round.delta_token()).unwrap();
        assert_eq!((delta.from, delta.to, delta.offset), (None, 5, 0));
        assert!(DeltaState::from_delta_token("latest").is_none());
        assert!(DeltaState::from_skip_token("").is_none());
    }
}
