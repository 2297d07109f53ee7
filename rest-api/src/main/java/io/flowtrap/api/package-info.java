/**
 * The HTTP contract between analysts' scripts, the manager and the probes: the documents exchanged
 * (records serialised by Jackson), the names that may travel in a URL, and the token and TLS rules
 * both ends apply; the OpenAPI documents of the manager and the probe API
 * ({@code io/flowtrap/api/openapi.yaml}, {@code probe-openapi.yaml}) and a Java client of the
 * manager ({@code client}). Depends on nothing but the JDK and Jackson.
 */
package io.flowtrap.api;
