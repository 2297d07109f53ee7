/**
 * The probes the manager knows ({@code flowtrap.probes}) and the client of each one's API: carve,
 * fetch a carve, store status, with the probe's answers turned into the domain's failures. May use
 * rest-api (names, token, TLS), schemas/ (the carve report), the domain exception; no web part.
 */
package io.flowtrap.manager.probes;
