/** The probes over HTTP: {@code GET /rest/appliances/} (admins). May use {@code probes}, Spring MVC. */
package io.flowtrap.manager.probes.web;
