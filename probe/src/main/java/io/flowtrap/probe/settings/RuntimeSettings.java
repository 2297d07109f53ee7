package io.flowtrap.probe.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.Durations;
import io.flowtrap.probe.config.ProbeSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values a manager may change at run time, as the probe-settings document holds them (without
 * its version): whether alerts arm flows, the live capture's BPF filter, the look-back size, and
 * the store's size, segment size and segment age. Immutable; the names of {@link #values()} are
 * the dotted names answers and logs use ({@code store.max_size}).
 */
public record RuntimeSettings(boolean pcapExtractionOnAlerts, String captureFilter, DataSize lookbackSize,
        DataSize storeMaxSize, DataSize segmentSize, Duration segmentAge) {
    public static final String PCAP_EXTRACTION_ON_ALERTS = "pcap_extraction_on_alerts";
    public static final String CAPTURE_FILTER = "capture.filter";
    public static final String LOOKBACK_SIZE = "lookback.size";
    public static final String STORE_MAX_SIZE = "store.max_size";
    public static final String STORE_SEGMENT_SIZE = "store.segment_size";
    public static final String STORE_SEGMENT_AGE = "store.segment_age";

    public RuntimeSettings {
        captureFilter = captureFilter == null ? "" : captureFilter;
    }

    /** What the config file says. */
    public static RuntimeSettings of(ProbeSettings file) {
        return new RuntimeSettings(file.alerts().pcapExtractionOnAlerts(), file.capture().filter(), file.lookback().size(),
                file.store().maxSize(), file.store().segmentSize(), file.store().segmentAge());
    }

    /** {@code file} with these values in place of its own. */
    public ProbeSettings over(ProbeSettings file) {
        ProbeSettings.Capture c = file.capture();
        ProbeSettings.Store s = file.store();
        ProbeSettings.Alerts a = file.alerts();
        return new ProbeSettings(file.name(),
                new ProbeSettings.Capture(c.interfaceName(), c.pcapFile(), c.replayClock(), captureFilter, c.snaplen(),
                        c.promiscuous(), c.buffer(), c.engine()),
                file.flows(), new ProbeSettings.Lookback(lookbackSize),
                new ProbeSettings.Store(s.dir(), storeMaxSize, segmentSize, segmentAge, s.writeBuffer()),
                new ProbeSettings.Alerts(a.eveSocket(), a.eveFile(), a.eveFileFromStart(), pcapExtractionOnAlerts),
                file.api(), file.manager());
    }

    /**
     * The values of a probe-settings document that its schema has passed.
     *
     * @throws IllegalArgumentException naming the setting whose value cannot be read
     */
    static RuntimeSettings fromDocument(JsonNode doc) {
        return new RuntimeSettings(doc.get("pcap_extraction_on_alerts").asBoolean(), doc.get("capture").get("filter").asText(),
                size(LOOKBACK_SIZE, doc.get("lookback").get("size").asText()),
                size(STORE_MAX_SIZE, doc.get("store").get("max_size").asText()),
                size(STORE_SEGMENT_SIZE, doc.get("store").get("segment_size").asText()),
                duration(STORE_SEGMENT_AGE, doc.get("store").get("segment_age").asText()));
    }

    private static DataSize size(String name, String text) {
        try {
            return DataSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private static Duration duration(String name, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /** The document's values part: {@code {"pcap_extraction_on_alerts", "capture", "lookback", "store"}}. */
    ObjectNode toJson(ObjectMapper json) {
        ObjectNode node = json.createObjectNode().put("pcap_extraction_on_alerts", pcapExtractionOnAlerts);
        node.putObject("capture").put("filter", captureFilter);
        node.putObject("lookback").put("size", lookbackSize.toString());
        node.putObject("store").put("max_size", storeMaxSize.toString()).put("segment_size", segmentSize.toString())
                .put("segment_age", Durations.format(segmentAge));
        return node;
    }

    /** Each setting by its dotted name, as answers write it (a Boolean or a String), in the document's order. */
    public Map<String, Object> values() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PCAP_EXTRACTION_ON_ALERTS, pcapExtractionOnAlerts);
        values.put(CAPTURE_FILTER, captureFilter);
        values.put(LOOKBACK_SIZE, lookbackSize.toString());
        values.put(STORE_MAX_SIZE, storeMaxSize.toString());
        values.put(STORE_SEGMENT_SIZE, segmentSize.toString());
        values.put(STORE_SEGMENT_AGE, Durations.format(segmentAge));
        return values;
    }

    /** These values with another look-back size. */
    RuntimeSettings withLookbackSize(DataSize size) {
        return new RuntimeSettings(pcapExtractionOnAlerts, captureFilter, size, storeMaxSize, segmentSize, segmentAge);
    }
}
