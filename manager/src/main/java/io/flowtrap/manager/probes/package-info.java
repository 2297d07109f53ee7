/**
 * The probes the manager knows, kept in Elasticsearch ({@code ManagedProbe}, seeded from
 * {@code flowtrap.probes}) and edited by admins, and the client of each one's API: carve, fetch a
 * carve, store status, metrics, run-time settings, with the probe's answers turned into the
 * domain's failures; the Appliances page's status of every probe, asked of all at once. May use
 * rest-api (names, token, TLS), schemas/, the domain exception, the state indices, Spring Data; no
 * web part.
 */
package io.flowtrap.manager.probes;
