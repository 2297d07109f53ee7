/**
 * The probe's outbox to the manager: {@link io.flowtrap.probe.spool.EventSpool} (a Chronicle Queue
 * of alerts and flow records, kept while the manager or Elasticsearch is down, bounded by the free
 * space it leaves), {@link io.flowtrap.probe.spool.SpoolShipper} (delivers it, at least once, passing
 * over what the manager will not take) and {@link io.flowtrap.probe.spool.DeadLetters} (what was passed
 * over, kept to be listed and re-sent).
 *
 * <p>Carries strings: may import Chronicle, Jackson, SLF4J and the TLS helpers of the API module; it
 * knows neither packets, flows nor alerts.
 */
package io.flowtrap.probe.spool;
