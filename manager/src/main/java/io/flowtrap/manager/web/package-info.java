/**
 * The HTTP edge every feature shares: the JSON error shape ({@link io.flowtrap.manager.web.ApiError}),
 * the one place where the domain's failure kinds become statuses ({@code ApiExceptionHandler}),
 * the JSON answers of what Tomcat and the firewall refuse, the connector's hygiene (a refusal closes
 * the connection), {@code GET /rest} and {@code GET /rest/health}, and the GUI's navigation bar
 * ({@code GuiNavigation}: the pages the features contribute, rendered by the shared layout). May use {@code errors},
 * {@code elasticsearch}'s health, Spring MVC and Tomcat; no feature.
 */
package io.flowtrap.manager.web;
