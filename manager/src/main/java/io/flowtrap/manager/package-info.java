/**
 * The manager: alerts into Elasticsearch ({@code alerts}), the Stamus-compatible REST chain that
 * carves a flow's pcap out of a probe's store ({@code jobs}, {@code probes}, {@code web}), API
 * tokens and their roles ({@code tokens}, {@code security}). A Spring Boot application; the
 * {@code token} subcommand manages keys without starting it.
 */
package io.flowtrap.manager;
