/**
 * The probes' run-time settings as the manager manages them: templates (named sets of settings),
 * the template each probe follows and its overrides, the effective value of each setting (inherited
 * or overridden), pending modifications (the effective settings against what the probe last
 * reported), and Apply changes: one task per probe, pushed with the probe's versioned
 * {@code PUT /api/v1/settings}, an unreachable probe retried with backoff on a worker. Kept in
 * Elasticsearch. May use probes (the clients), audit, the state indices, schemas/, Spring Data.
 */
package io.flowtrap.manager.settings;
