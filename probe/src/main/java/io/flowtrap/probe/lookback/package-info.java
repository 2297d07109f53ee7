/**
 * The look-back ring: recent packets of flows not yet alerted, held off-heap so an alert can
 * still store its flow from the start. May import java.*, io.flowtrap.packet and io.flowtrap.memory
 * (its buffer on huge pages) only.
 */
package io.flowtrap.probe.lookback;
