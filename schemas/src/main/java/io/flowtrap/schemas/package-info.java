/**
 * JSON Schemas (draft 2020-12) of every document flowtrap accepts or emits, their validator and what
 * is derived from them.
 *
 * <ul>
 *   <li>{@code *.schema.json} in this package, each with {@code $id}
 *       {@code https://flowtrap.io/schemas/<file>}; {@code $ref}s between them are read from the
 *       classpath, never fetched. {@code defs.schema.json} holds shared definitions (job and probe
 *       names, SHA-256, UTC times); every other file is one {@link io.flowtrap.schemas.DocumentSchema.Document};
 *   <li>{@link io.flowtrap.schemas.DocumentSchema}: validates a document against its schema, one
 *       {@code path: rule} line per violation;
 *   <li>{@code eve-alert.schema.json} ({@link io.flowtrap.schemas.AlertSchema#RESOURCE}): a Suricata 7
 *       EVE alert, or a hit of the manager's alert search (the same plus {@code _id});
 *       {@link io.flowtrap.schemas.AlertSchema} validates against it;
 *   <li>{@link io.flowtrap.schemas.IndexTemplate}: the Elasticsearch index template of alerts,
 *       built from the alert schema.
 * </ul>
 * The probe's EVE intake states what it requires of an alert in {@code io.flowtrap.probe.alert.EveAlert}.
 */
package io.flowtrap.schemas;
