/**
 * The probe's HTTPS API, for the manager: carve a flow named by an alert into a job file, hand that
 * file over, report the store. Token-authenticated ({@code Authorization: Token <key>}); built on
 * the JDK's own HTTP server so the probe stays a small process with no framework.
 */
package io.flowtrap.probe.api;
