/**
 * The audit trail's copy in the system log: RFC 5424 messages sent to the local syslog socket
 * ({@code /dev/log}) or a remote collector over UDP, so that every capture started or stopped,
 * every download and every watchlist load reaches the operator's SIEM as the seeds ask. Best
 * effort by design (Elasticsearch holds the audit trail itself): a send never waits, and each
 * one the system log did not take is counted ({@code flowtrap_syslog_messages_total{outcome}}).
 * Uses only java.*, Spring's configuration, Micrometer and JNA (for the datagram socket Java lacks).
 */
package io.flowtrap.manager.syslog;
