/**
 * The probe's Prometheus metrics: {@link io.flowtrap.probe.metrics.ProbeMetrics} binds what the
 * capture thread publishes (capture counters, alert intake counters), the store's status and the spool's counters to
 * Micrometer meters, read only when scraped, and answers a scrape in the Prometheus text format.
 * Nothing here runs on the per-packet path.
 *
 * <p>May import Micrometer, the pipeline (its published counters), the alert package (intake
 * counters), the store (status, carve outcomes) and the spool's shipper (its counters); not the probe API, the capture sources or the
 * command line.
 */
package io.flowtrap.probe.metrics;
