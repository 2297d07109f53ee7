/**
 * The look-back ring: recent packets of flows not yet alerted, held off-heap so an alert can
 * still store its flow from the start. May import java.* and io.flowtrap.packet only.
 */
package io.flowtrap.probe.lookback;
