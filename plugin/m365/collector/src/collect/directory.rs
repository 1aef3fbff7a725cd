//! Devices with their registered owners, and soft-deleted users that may still hold licences.

use super::users::emit_users;
use super::{PAGE_SIZE, Tally, emit};
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{DELETED_USER_SELECT, DEVICE_QUERY, GraphDevice, User};
use crate::transport::Transport;
use crate::types::{Batch, CollectError};

pub(super) fn read_devices<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let url = format!("{base}/devices?{DEVICE_QUERY}&$top={PAGE_SIZE}");
    graph.for_each_page(&url, |host, devices: Vec<GraphDevice>| {
        let len = devices.len();
        let batch = Batch::Devices(devices.into_iter().map(GraphDevice::into_device).collect());
        let done = emit(host, tally, "devices", batch, len)?;
        host.progress("devices", done, None);
        Ok(())
    })
}

pub(super) fn read_deleted_users<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let url = format!(
        "{base}/directory/deletedItems/microsoft.graph.user?$select={DELETED_USER_SELECT}&$top={PAGE_SIZE}"
    );
    graph.for_each_page(&url, |host, users: Vec<User>| {
        emit_users(host, tally, users, "deleted_accounts")
    })
}
