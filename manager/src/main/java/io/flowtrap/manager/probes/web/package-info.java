/**
 * The probes over HTTP: {@code GET /rest/appliances/} (admins), and the Appliances pages (every
 * probe's status; admins add, edit and remove probes). May use {@code probes}, the audit trail,
 * Spring MVC, the GUI's navigation.
 */
package io.flowtrap.manager.probes.web;
