/**
 * The captures feature over HTTP: {@code /rest/captures/} (start, list, detail, stop, delete,
 * download), the analyst read from the caller's key in {@code users} or from the login. May use
 * {@code captures}, {@code users}, the schemas, rest-api's records, Spring MVC.
 */
package io.flowtrap.manager.captures.web;
