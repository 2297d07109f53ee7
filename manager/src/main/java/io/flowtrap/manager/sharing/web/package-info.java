/**
 * Results and share links over HTTP: {@code /rest/results/} (list by kind and tag, labels,
 * download, share), {@code /rest/shares/} (the links and their opens, revoke) and the open
 * {@code GET /share/<token>}; the user read from the caller's key in {@code users} or the login.
 * May use {@code sharing}, {@code users}, the errors, rest-api's records, Spring MVC.
 */
package io.flowtrap.manager.sharing.web;
