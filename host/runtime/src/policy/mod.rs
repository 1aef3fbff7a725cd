//! Everything a plugin may do, in one place: the origins it may reach, the limits of a run
//! (memory, time, requests, responses, output, compilation) and the bounds on what it hands
//! the host (entities, log lines, summaries, errors).

mod admit;
pub mod bounds;
pub mod caps;
pub mod limiter;
pub mod limits;
pub mod origins;
pub mod output;

pub use crate::prepare::OperatorPolicy;
pub use admit::admit;
pub use caps::Caps;
pub use limits::{Limits, mib};
pub use origins::{AllowList, Origin};
