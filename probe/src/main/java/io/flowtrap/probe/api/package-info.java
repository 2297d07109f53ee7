/**
 * The probe's HTTPS API, for the manager: carve a flow named by an alert into a job file, hand that
 * file over, report the store, show and change the run-time settings ({@code io.flowtrap.probe.settings})
 * and the triggers in force ({@code io.flowtrap.probe.trigger}). Token-authenticated ({@code Authorization: Token <key>}); built on
 * the JDK's own HTTP server so the probe stays a small process with no framework, with that server's
 * request time, header size and connection limits set ({@link io.flowtrap.probe.api.HttpServerLimits}).
 */
package io.flowtrap.probe.api;
