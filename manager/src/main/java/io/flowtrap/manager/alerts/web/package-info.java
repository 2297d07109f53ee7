/**
 * The alerts feature over HTTP: {@code GET /rest/rules/es/alerts_tail/} (Scirius' paging) and
 * {@code POST /api/ingest/events} (probes' shippers; a probe key delivers for its own probe, which
 * it reads from the caller's key in {@code users}). May use {@code alerts}, {@code users}, Spring MVC.
 */
package io.flowtrap.manager.alerts.web;
