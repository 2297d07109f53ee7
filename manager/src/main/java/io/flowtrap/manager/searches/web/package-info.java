/**
 * The searches feature over HTTP: {@code /rest/searches/} (start, list, detail, cancel, delete,
 * download), the analyst read from the caller's key in {@code users} or from the login; and the
 * GUI's Searches pages ({@code /searches}: the start form, every analyst's searches with their
 * progress and queue, one search's page, cancel, download), in the navigation bar. May use
 * {@code searches}, {@code users}, the schemas, rest-api's records, Spring MVC,
 * {@code web.GuiNavigation}, {@code audit.Audited} events.
 */
package io.flowtrap.manager.searches.web;
