package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One result (a capture's merged pcap, or one probe's part of it) as {@code /rest/results/}
 * answers it: what it is ({@code kind} and {@code id}), its file, and the tags and comment
 * analysts gave it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultAnswer(String kind, String id, String name, @JsonProperty("file_name") String fileName, long size,
        String sha256, String created, List<String> tags, String comment, @JsonProperty("labelled_by") String labelledBy,
        String download) {}
