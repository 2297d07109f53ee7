package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One result as {@code /rest/results/} answers it, whatever its kind ({@code capture}, {@code
 * search}, each with its per-probe parts {@code <id>:<probe>}, {@code merge}, {@code filter},
 * {@code extraction}: the pcap the chain under {@code /rest/rules/filestore_pcap/} retrieved): what
 * it is, who made it and when, the probes its packets came from, its file (absent when it holds no
 * packet: {@code message} says why), the tags and comment analysts gave it; a merge or a filter
 * also says how it was made (inputs, filter, duplicate window, packets read, duplicates dropped,
 * packets of another link type left out); an extraction also says which alert's flow it holds
 * ({@code alert}) and, once its pcap expired, when ({@code expired}: it then has no file).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultAnswer(String kind, String id, String name, String analyst, String created, List<String> probes,
        @JsonProperty("file_name") String fileName, long size, long packets, long bytes, String sha256, List<String> tags,
        String comment, @JsonProperty("labelled_by") String labelledBy, String download, List<ResultRef> inputs,
        String filter, Boolean dedup, @JsonProperty("dedup_window_us") Long dedupWindowMicros,
        @JsonProperty("packets_in") Long packetsIn, Long duplicates, @JsonProperty("other_link_type") Long otherLinkType,
        String message, Alert alert, String expired) {

    /**
     * The alert an extraction carved the flow of: its signature, when it fired, its flow (ids and
     * 5-tuple), and whether the probe stored the flow whole from its first packet ({@code whole}:
     * absent when the uploaded alert did not say, i.e. it was not an {@code alerts_tail} hit with a
     * {@code capture} record).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Alert(String signature, @JsonProperty("signature_id") Long signatureId, String timestamp,
            @JsonProperty("flow_id") Long flowId, @JsonProperty("community_id") String communityId,
            @JsonProperty("src_ip") String srcIp, @JsonProperty("src_port") Integer srcPort,
            @JsonProperty("dest_ip") String destIp, @JsonProperty("dest_port") Integer destPort, String proto, Boolean whole) {}
}
