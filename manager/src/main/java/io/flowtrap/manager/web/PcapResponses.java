package io.flowtrap.manager.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** A pcap handed over as a download under the result's file name. */
public final class PcapResponses {
    public static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");

    private PcapResponses() {}

    public static ResponseEntity<Resource> download(Path file, String fileName) throws IOException {
        return ResponseEntity.ok().contentType(PCAP).contentLength(Files.size(file))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(fileName).build().toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .body(new FileSystemResource(file));
    }
}
