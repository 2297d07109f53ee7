package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;

/**
 * One alert as indexed: the EVE object with {@code host} set to the probe that saw it (Suricata's
 * own {@code host}, its sensor-name, moves to {@code sensor_name} when they differ), in the daily
 * index of its timestamp, under an id derived from the probe and the alert's content, so a
 * re-delivered alert overwrites itself instead of appearing twice. {@code json} is the source
 * serialised once, for both the id and the index request.
 */
public record AlertDocument(String id, String index, ObjectNode source, String json, Instant time) implements IndexedDocument {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd");
    /**
     * Suricata writes {@code 2026-11-22T10:15:30.123456+0000}. Strict: a day or hour that does not
     * exist (30 February, 24:00) is refused, not moved to a neighbouring one.
     */
    private static final DateTimeFormatter SURICATA =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss[.SSSSSS]xx").withResolverStyle(ResolverStyle.STRICT);

    /**
     * The document for {@code alert} (already schema-valid) from {@code probe}; takes the node over and
     * changes it. IllegalArgumentException if its timestamp is not a real date and time.
     */
    public static AlertDocument of(String indexPrefix, String probe, ObjectNode alert) {
        ObjectNode source = alert;
        source.remove("_id");
        String sensor = source.path("host").asText(null);
        if (sensor != null && !sensor.equals(probe)) {
            source.put("sensor_name", sensor);
        }
        source.put("host", probe);
        OffsetDateTime time = timestamp(source.path("timestamp").asText());
        String day = DAY.format(time.withOffsetSameInstant(ZoneOffset.UTC));
        String json = source.toString();
        return new AlertDocument(id(probe, json), indexPrefix + day, source, json, time.toInstant());
    }

    /**
     * The same alert (same id, same index) with {@code changed} as its source: what is indexed again
     * after parts of it were moved aside, so a re-delivery still overwrites it.
     */
    AlertDocument withSource(ObjectNode changed) {
        return new AlertDocument(id, index, changed, changed.toString(), time);
    }

    /** 160 bits of SHA-256 over the probe's name and the alert's serialised form, hex: a valid job name too. */
    static String id(String probe, String raw) {
        return IndexedDocument.contentId(probe, raw.strip());
    }

    /** The alert's time: Suricata's form or RFC 3339 (as the schema allows), both strict. */
    static OffsetDateTime timestamp(String text) {
        try {
            return OffsetDateTime.parse(text, SURICATA);
        } catch (DateTimeException suricataForm) {
            try {
                return OffsetDateTime.parse(text); // ISO_OFFSET_DATE_TIME resolves strictly too
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("timestamp '" + text + "' is not a real date and time");
            }
        }
    }
}
