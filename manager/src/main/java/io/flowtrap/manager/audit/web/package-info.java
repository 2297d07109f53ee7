/** The Audit page (admins): the audit trail, newest first, paged. May use audit, errors, Spring MVC, the GUI's navigation. */
package io.flowtrap.manager.audit.web;
