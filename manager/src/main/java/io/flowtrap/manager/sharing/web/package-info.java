/**
 * Share links over HTTP: {@code POST /rest/results/<kind>/<id>/shares/} makes one, {@code
 * /rest/shares/} lists them with their opens and revokes, and the open {@code GET /share/<token>}.
 * May use {@code sharing}, the caller's name and roles from {@code security}, the shared pcap
 * download, the errors, rest-api's records, Spring MVC.
 */
package io.flowtrap.manager.sharing.web;
