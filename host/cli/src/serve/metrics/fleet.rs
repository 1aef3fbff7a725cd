//! The fleet's gauges, read from the store at each scrape: the services alive, the sources
//! running (leased) and the sources overdue, across every service sharing the store.

use anyhow::Result;
use itam_store::FleetStatus;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// A registry with the fleet's gauges as `status` has them.
pub(super) fn registry(status: &FleetStatus) -> Result<Registry> {
    let mut registry = Registry::default();
    let gauge = |value: usize| -> Result<Gauge> {
        let g = Gauge::default();
        g.set(i64::try_from(value)?);
        Ok(g)
    };
    registry.register(
        "itam_fleet_services_alive",
        "Services sharing the store whose heartbeat is recent (this one included)",
        gauge(status.hosts.iter().filter(|h| h.alive).count())?,
    );
    registry.register(
        "itam_fleet_running_sources",
        "Sources a service of the fleet holds the lease of: running, or waiting for a free slot",
        gauge(status.leases.len())?,
    );
    registry.register(
        "itam_fleet_overdue_sources",
        "Sources due for longer than two heartbeats that no service runs",
        gauge(status.overdue.len())?,
    );
    Ok(registry)
}
