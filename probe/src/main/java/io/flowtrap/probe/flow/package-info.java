/**
 * Flow tracking: the bounded, allocation-free flow table and its timeouts. Owned by the capture
 * thread. May import java.* and io.flowtrap.packet only.
 */
package io.flowtrap.probe.flow;
