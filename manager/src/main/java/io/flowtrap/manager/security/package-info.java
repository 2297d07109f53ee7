/**
 * Who may call what: {@code Authorization: Token <key>} checked against {@code users}' keys, the
 * roles each path needs, 401 and 403 in the shared error shape ({@code web.ApiError}); for the GUI's
 * pages, a form sign-in against {@code users}' users with a session and CSRF. May use
 * {@code users}, Spring Security.
 */
package io.flowtrap.manager.security;
