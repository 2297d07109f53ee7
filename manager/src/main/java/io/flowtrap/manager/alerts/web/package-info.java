/**
 * The alerts feature over HTTP: {@code GET /rest/rules/es/alerts_tail/} (Scirius' paging),
 * {@code POST /api/ingest/events} (probes' shippers; a probe key delivers for its own probe, which
 * it reads from the caller's key in {@code users}), and the GUI's Alerts pages ({@code /alerts}, the
 * list with its query, range and top lists; {@code /alerts/<id>}, one alert with its PCAP section,
 * which asks the alert's probe what its store holds: {@code probes}). May use {@code alerts},
 * {@code users}, {@code probes}, Spring MVC and the GUI's navigation bar.
 */
package io.flowtrap.manager.alerts.web;
