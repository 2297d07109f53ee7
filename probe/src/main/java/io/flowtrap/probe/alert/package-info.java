/**
 * Alert intake: turns Suricata EVE JSON into {@link io.flowtrap.probe.alert.EveAlert} values and
 * delivers them to an {@link io.flowtrap.probe.alert.AlertSink}.
 *
 * <p>Owns the EVE parser ({@link io.flowtrap.probe.alert.EveAlertParser}), the two EVE sources (a
 * rotation-aware {@link io.flowtrap.probe.alert.EveFileTailer} and a
 * {@link io.flowtrap.probe.alert.EveUnixSocketListener} for Suricata's {@code unix_stream} output),
 * and the intake counters. Matching alerts to flows is not done here: the engine that owns the flow
 * table consumes the sink and increments the matched/late/unknown/duplicate counters.
 *
 * <p>May import {@code java.*}, Jackson, slf4j and {@code io.flowtrap.packet}; nothing else of
 * flowtrap (no capture, store or spool), no Spring, no Chronicle, no pcap4j.
 */
package io.flowtrap.probe.alert;
