/**
 * The watchlists feature over HTTP: {@code /rest/watchlists/} (load, list, detail, reload, delete).
 * May use {@code watchlists}, the schemas, rest-api's records, Spring MVC.
 */
package io.flowtrap.manager.watchlists.web;
