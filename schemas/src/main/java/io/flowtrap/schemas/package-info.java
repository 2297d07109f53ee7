/**
 * JSON Schemas of the documents flowtrap accepts, their validator and what is derived from them.
 *
 * <ul>
 *   <li>{@code eve-alert.schema.json} ({@link io.flowtrap.schemas.AlertSchema#RESOURCE}): a Suricata 7
 *       EVE alert, or a hit of the manager's alert search (the same plus {@code _id});
 *   <li>{@link io.flowtrap.schemas.AlertSchema}: validates a document against it, one
 *       {@code path: rule} line per violation;
 *   <li>{@link io.flowtrap.schemas.AlertIndexTemplate}: the Elasticsearch index template of alerts,
 *       built from the schema.
 * </ul>
 * The probe's EVE intake states what it requires of an alert in {@code io.flowtrap.probe.alert.EveAlert}.
 */
package io.flowtrap.schemas;
