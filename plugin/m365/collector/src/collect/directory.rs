//! Devices with their registered owners, and soft-deleted users that may still hold licences.
//!
//! The devices delta query does not carry registered owners: a first round just opens the link
//! (the devices themselves come from the device list with their owners expanded), and a later
//! round names the devices whose properties changed, which are then read one by one with their
//! owners. The rounds select every property used, since a change to a property not selected
//! does not list a device.

use super::users::emit_users;
use super::{PAGE_SIZE, Tally, emit, remove};
use crate::batch::{MAX_BATCH, batch_get_each};
use crate::delta::{self, Round};
use crate::errors::details;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{DELETED_USER_SELECT, DEVICE_QUERY, DEVICE_SELECT, DeviceId, GraphDevice, User};
use crate::transport::Transport;
use crate::types::{Batch, CollectError, Removal};

/// The first devices round, which only opens the link the next round starts from. It is read
/// before the device list, so a device that changes during the list is listed again next time.
pub(super) fn open_devices_link<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
) -> Result<String, CollectError> {
    let url = format!("{base}/devices/delta?$select={DEVICE_SELECT}");
    match delta::round(graph, &url, |_, _: Vec<DeviceId>| Ok(()))? {
        Round::Done(link) => Ok(link),
        Round::Rejected(e) => Err(e),
    }
}

/// A later devices round from `link`: each changed device read again with its owners, each
/// deleted one removed.
pub(super) fn read_device_changes<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
    link: &str,
) -> Result<Round, CollectError> {
    let mut changed = Vec::new();
    let mut gone = Vec::new();
    let round = delta::round(graph, link, |_, devices: Vec<DeviceId>| {
        for device in devices {
            match device.removed {
                Some(_) => gone.push(Removal::Device(device.id)),
                None => changed.push(device.id),
            }
        }
        Ok(())
    })?;
    if let Round::Rejected(_) = round {
        return Ok(round);
    }
    changed.sort();
    changed.dedup();
    for chunk in changed.chunks(MAX_BATCH) {
        let urls: Vec<String> = chunk
            .iter()
            .map(|id| format!("/devices/{id}?{DEVICE_QUERY}"))
            .collect();
        let mut devices = Vec::new();
        for (id, answer) in chunk.iter().zip(batch_get_each(graph, base, &urls)?) {
            match answer {
                Ok(body) => devices.push(
                    serde_json::from_value::<GraphDevice>(body)
                        .map_err(|e| {
                            crate::errors::internal(format!(
                                "Graph sent a device this plugin cannot read: {e}"
                            ))
                        })?
                        .into_device(),
                ),
                // Deleted since the round listed it.
                Err(e) if details(&e).status == Some(404) => gone.push(Removal::Device(id.clone())),
                Err(e) => return Err(e),
            }
        }
        let len = devices.len();
        let done = emit(graph.host(), tally, "devices", Batch::Devices(devices), len)?;
        graph.host().progress("devices", done, None);
    }
    remove(graph.host(), tally, gone)?;
    Ok(round)
}

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
