/**
 * {@code flowtrap-probe}: the command line analysts and checks script against (run, replay,
 * extract, store info|verify|recover, spool dead-letters|resend-dead-letters) and its exit codes. Thin: parses, calls the pipeline and
 * the store, reports.
 */
package io.flowtrap.probe.cli;
