/**
 * The pcap chain under {@code /rest/rules/filestore_pcap/} as Scirius clients drive it: upload,
 * extract_pcap, status, retrieve, download. Reads and validates the uploaded alert (schemas/), then
 * hands over to {@code extraction} and {@code probes}. May use those, Spring MVC.
 */
package io.flowtrap.manager.extraction.web;
