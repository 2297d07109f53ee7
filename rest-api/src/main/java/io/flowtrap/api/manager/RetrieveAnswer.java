package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** {@code retrieve}'s answer: the pcap the manager now holds, {@code {"retrieve": "done", "filename", "size", "sha256"}}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RetrieveAnswer(String retrieve, String filename, Long size, String sha256) {
    public static RetrieveAnswer done(String job, long size, String sha256) {
        return new RetrieveAnswer("done", job, size, sha256);
    }
}
