/**
 * JSON Schemas of every document flowtrap accepts or emits, and their validator. The schemas and the
 * validator arrive with the manager (issue 3); the probe's EVE intake already states what it requires
 * of an alert in {@code io.flowtrap.probe.alert.EveAlert}.
 */
package io.flowtrap.schemas;
