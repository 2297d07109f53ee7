/**
 * The captures feature over HTTP: {@code /rest/captures/} (start, list, detail, stop, delete,
 * download), the analyst read from the caller's key in {@code users} or from the login; and the
 * GUI's Captures pages ({@code /captures}), in the navigation bar. May use {@code captures},
 * {@code users}, the schemas, rest-api's records, Spring MVC, {@code web.GuiNavigation}.
 */
package io.flowtrap.manager.captures.web;
