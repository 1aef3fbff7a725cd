//! The store's resource limiter: one memory budget for every linear memory of a plugin.
//!
//! wasmtime's `StoreLimits` caps each memory on its own, so a component with eight memories
//! would get eight times the budget. This limiter adds up what every memory has grown to.

use wasmtime::ResourceLimiter;

/// Most memories, tables and instances a plugin may create. A component built from one Rust
/// crate has one memory; the rest is room for adapters and small helper modules.
const MAX_MEMORIES: usize = 8;
const MAX_TABLES: usize = 16;
const MAX_INSTANCES: usize = 32;
/// Most elements across one table (function references).
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Why a memory could not grow: the plugin's memories together would pass the cap.
#[derive(Debug)]
pub struct MemoryCapExceeded {
    /// The size the growing memory asked for, in bytes.
    pub desired: usize,
    /// The cap in bytes.
    pub cap: usize,
    /// What the memories would have held, in bytes.
    pub wanted: usize,
}

impl std::fmt::Display for MemoryCapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "forcing trap when growing memory to {} bytes: the plugin's memories would hold {} MiB, past its limit of {} MiB",
            self.desired,
            self.wanted >> 20,
            self.cap >> 20
        )
    }
}

impl std::error::Error for MemoryCapExceeded {}

/// Counts every linear memory's size against one cap; an allocation past it traps.
pub struct Limiter {
    cap: usize,
    used: usize,
}

impl Limiter {
    /// A limiter allowing `cap` bytes of linear memory in all.
    pub fn new(cap: usize) -> Limiter {
        Limiter { cap, used: 0 }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Memories never shrink, and a new memory starts at `current == 0`: the sum of the
        // growths is what all memories hold.
        let wanted = self.used.saturating_add(desired.saturating_sub(current));
        if wanted > self.cap {
            return Err(wasmtime::Error::new(MemoryCapExceeded {
                desired,
                cap: self.cap,
                wanted,
            }));
        }
        self.used = wanted;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_memory_counts_against_one_cap() {
        let mut l = Limiter::new(100 << 20);
        assert!(l.memory_growing(0, 60 << 20, None).unwrap());
        // A second memory of 60 MiB would pass the cap even though each alone is under it.
        let e = l.memory_growing(0, 60 << 20, None).unwrap_err();
        assert!(e.to_string().contains("limit of 100 MiB"), "{e}");
        assert!(l.memory_growing(0, 40 << 20, None).unwrap());
        assert!(l.memory_growing(60 << 20, 61 << 20, None).is_err());
    }
}
