package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A probe's flow record as indexed: what its store holds of one alerted flow that ended (first and
 * last packet time, packets and bytes stored, whether from the flow's start), with {@code host} set
 * to the probe, in the daily flow index of its first packet, under an id made of the probe, the
 * Community ID and the first time, so a re-delivered record overwrites itself.
 */
public record FlowRecordDocument(String id, String index, ObjectNode source, String json, Instant time)
        implements IndexedDocument {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

    /**
     * The document for {@code record} (already valid) from {@code probe}; takes the node over.
     * IllegalArgumentException if its first_ts is not a real instant.
     */
    public static FlowRecordDocument of(String indexPrefix, String probe, ObjectNode record) {
        record.put("host", probe);
        String firstTs = record.path("first_ts").asText();
        Instant first;
        try {
            first = Instant.parse(firstTs);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("first_ts '" + firstTs + "' is not a real date and time");
        }
        String day = DAY.format(first);
        String json = record.toString();
        return new FlowRecordDocument(IndexedDocument.contentId(probe, record.path("community_id").asText(), firstTs),
                indexPrefix + day, record, json, first);
    }

}
