/**
 * A typed Java client of the manager's REST chain ({@link io.flowtrap.api.client.FlowtrapClient}),
 * as documented in {@code io/flowtrap/api/openapi.yaml}.
 */
package io.flowtrap.api.client;
