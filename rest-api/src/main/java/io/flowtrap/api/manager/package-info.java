/**
 * The documents the manager answers, as records: what its controllers serialise and what {@link
 * io.flowtrap.api.client.FlowtrapClient} reads back. Each is one schema of flowtrap-schemas
 * ({@code upload-answer}, {@code extraction-answer}, {@code status-answer}, {@code retrieve-answer},
 * {@code alerts-page}, {@code ingest-report}); field names are the wire's. Readers ignore fields
 * they do not know, so the manager may add some. Depends on Jackson only.
 */
package io.flowtrap.api.manager;
