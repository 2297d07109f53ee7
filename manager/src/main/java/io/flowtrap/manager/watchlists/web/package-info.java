/**
 * The watchlists feature over HTTP: {@code /rest/watchlists/} (load, list, detail, reload, delete)
 * and the Watchlists pages ({@code /watchlists}). May use {@code watchlists}, the schemas,
 * rest-api's records, the audit event, Spring MVC, the navigation bar.
 */
package io.flowtrap.manager.watchlists.web;
