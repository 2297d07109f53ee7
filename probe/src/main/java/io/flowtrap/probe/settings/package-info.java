/**
 * The settings a manager changes on a running probe ({@code GET}/{@code PUT /api/v1/settings}):
 * their document (validated against {@code schemas/}'s probe-settings schema), its version, the file
 * that keeps the last applied ones across restarts, and applying a change through a
 * {@link io.flowtrap.probe.settings.SettingsTarget} that the running probe implements (the CLI's
 * run command). Imports the probe's config values, the schemas, Jackson and slf4j; nothing of the
 * capture path or the store.
 */
package io.flowtrap.probe.settings;
