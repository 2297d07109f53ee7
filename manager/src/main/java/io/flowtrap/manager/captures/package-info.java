/**
 * Analyst captures: a named BPF capture on some probes, started as a trigger on each probe, ended
 * by its duration, its packet limit or a stop, then carved from each probe's store by filter and
 * window and merged by time into one pcap with a capinfos-like summary and a SHA-256; kept on disk
 * under the data dir (survives a restart), deleted past the retention limits, one capture per
 * probe at a time (others refused or queued); each deletion told as a
 * {@link io.flowtrap.manager.captures.CaptureDeleted} (what others keep of a capture goes with it). May use {@code probes} (triggers, searches), the
 * domain exception, rest-api's records; no web part.
 */
package io.flowtrap.manager.captures;
