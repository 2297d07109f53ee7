/**
 * The audit trail: who did what when (logins and lockouts, API keys made and revoked, probes and
 * settings changed, Apply changes and their results, pcap downloads), kept in Elasticsearch and
 * read newest first, with a copy in syslog. Features publish an {@link io.flowtrap.manager.audit.Audited}
 * event for each action; sign-ins are heard from Spring Security's events. May use the state indices, schemas/, Spring Data, Spring
 * Security's events; no web part.
 */
package io.flowtrap.manager.audit;
