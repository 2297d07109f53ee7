/**
 * Extraction jobs: the job area on disk (an uploaded alert, the job's state, the retrieved pcap),
 * carves run on probes with bounded concurrency, the download cache with its quota and retention,
 * and the job's legal steps ({@link io.flowtrap.manager.extraction.Job}). May use {@code probes}
 * (to carve and fetch), the domain exception, rest-api's names; no web part.
 */
package io.flowtrap.manager.extraction;
