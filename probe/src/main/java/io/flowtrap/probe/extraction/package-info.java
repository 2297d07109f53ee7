/**
 * Turns what an analyst or the manager names — an EVE alert, a Community ID — into a query on the
 * store, and the store's answer into what the caller reports. May import io.flowtrap.store,
 * io.flowtrap.packet and io.flowtrap.probe.alert; nothing of the capture path.
 */
package io.flowtrap.probe.extraction;
