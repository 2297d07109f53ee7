package io.flowtrap.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every document schema over real answers (copied from what the manager's and the probe's code
 * write, and the alerts of {@link AlertSchemaTest}) and damaged copies of them, each with the one
 * violation it must produce.
 *
 * <p>Samples live in {@code samples/<schema name>.json}, a JSON array each; alerts and ingest events
 * are built from the alert examples.
 */
class DocumentSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TIMESTAMP_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$";
    private static final String JOB_PATTERN = "^[A-Za-z0-9_-]{1,128}$";
    private static final String PROBE_PATTERN = "^[A-Za-z0-9._-]{1,64}$";
    private static final String SHA256_PATTERN = "^[0-9a-f]{64}$";
    private static final String SIZE_PATTERN = "^[0-9]{1,19} ?([KMGTkmgt][Ii]?[Bb]?|[Bb])?$";
    private static final String DURATION_PATTERN = "^([0-9]{1,18} ?(ms|s|m|h|d)|P[0-9A-Z.]+)$";

    /** The valid samples of {@code d}, fresh copies. */
    static List<JsonNode> samples(Document d) {
        List<JsonNode> alerts = AlertSchemaTest.examples().map(line -> (JsonNode) AlertSchemaTest.parse(line)).toList();
        return switch (d) {
            case EVE_ALERT -> alerts;
            case INGEST_EVENT -> Stream.of(alerts.stream().map(DocumentSchemaTest::envelope),
                    samples(Document.FLOW_RECORD).stream().map(r -> envelope("flow", r)),
                    samples(Document.WATCHLIST_EVENT).stream().map(r -> envelope("watchlist", r))).flatMap(s -> s).toList();
            default -> {
                String resource = "samples/" + d.file().replace(".schema.json", ".json");
                try (InputStream in = DocumentSchemaTest.class.getResourceAsStream(resource)) {
                    assertThat(in).as(resource).isNotNull();
                    List<JsonNode> out = new ArrayList<>();
                    JSON.readTree(in).forEach(out::add);
                    yield out;
                } catch (IOException e) {
                    throw new IllegalStateException(resource, e);
                }
            }
        };
    }

    /** What the probe's shipper sends for {@code alert}. */
    private static JsonNode envelope(JsonNode alert) {
        ObjectNode line = JSON.createObjectNode().put("kind", "alert").put("probe", "sensor-1");
        line.set("event", alert);
        return line;
    }

    /** What the probe's shipper sends for a flow record or a watchlist event. */
    private static JsonNode envelope(String kind, JsonNode record) {
        ObjectNode line = JSON.createObjectNode().put("kind", kind).put("probe", "sensor-1");
        line.set("event", record);
        return line;
    }

    static Stream<Arguments> validSamples() {
        return Arrays.stream(Document.values()).flatMap(d -> {
            List<JsonNode> samples = samples(d);
            return java.util.stream.IntStream.range(0, samples.size()).mapToObj(i -> Arguments.of(d, i, samples.get(i)));
        });
    }

    @ParameterizedTest(name = "{0} #{1}")
    @MethodSource("validSamples")
    void realDocumentsAreValid(Document d, int index, JsonNode sample) {
        assertThat(DocumentSchema.of(d).validate(sample)).as("%s", sample).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Document.class)
    void everyDocumentHasSamples(Document d) {
        assertThat(samples(d)).isNotEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                // ingest events: the envelope, then the alert inside it, paths from the line's root
                bad(Document.INGEST_EVENT, "kind unknown", o -> o.put("kind", "metric"),
                        "$.kind: does not have a value in the enumeration [\"alert\", \"flow\", \"watchlist\"]"),
                bad(Document.INGEST_EVENT, (int) AlertSchemaTest.examples().count(), "a flow record sent as an alert", o -> o.put("kind", "alert"),
                        "$.event: required property 'timestamp' not found", "$.event: required property 'event_type' not found",
                        "$.event: required property 'src_ip' not found", "$.event: required property 'dest_ip' not found",
                        "$.event: required property 'proto' not found", "$.event: required property 'alert' not found"),
                bad(Document.FLOW_RECORD, "no end", o -> o.remove("end"), "$: required property 'end' not found"),
                bad(Document.FLOW_RECORD, "packets negative", o -> o.put("packets", -1), "$.packets: must have a minimum value of 0"),
                bad(Document.FLOW_RECORD, "from_flow_start as a string", o -> o.put("from_flow_start", "yes"),
                        "$.from_flow_start: boolean expected, string found"),
                bad(Document.PROBE_TRIGGER, "a filter for a watchlist", o -> o.put("kind", "watchlist"),
                        "$: required property 'entries' not found", "$.filter: schema for 'filter' is false"),
                bad(Document.PROBE_TRIGGER, "named alert", o -> o.put("name", "alert"),
                        "$.name: does not match the regex pattern ^(?!alert$)[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"),
                bad(Document.PROBE_TRIGGER, "an unknown kind", o -> o.put("kind", "yara"),
                        "$.kind: does not have a value in the enumeration [\"bpf\", \"watchlist\"]"),
                bad(Document.FLOW_RECORD, "a trigger name with a space", o -> o.putArray("armed_by").add("my list"),
                        "$.armed_by[0]: does not match the regex pattern ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"),
                bad(Document.FLOW_RECORD, "a time with an offset", o -> o.put("first_ts", "2026-11-29T15:50:58+0000"),
                        "$.first_ts: does not match the regex pattern " + TIMESTAMP_PATTERN),
                bad(Document.INGEST_EVENT, "probe as a path", o -> o.put("probe", "../x"),
                        "$.probe: does not match the regex pattern " + PROBE_PATTERN),
                bad(Document.INGEST_EVENT, "probe name too long", o -> o.put("probe", "p".repeat(65)),
                        "$.probe: does not match the regex pattern " + PROBE_PATTERN),
                bad(Document.INGEST_EVENT, "no event", o -> o.remove("event"), "$: required property 'event' not found"),
                bad(Document.INGEST_EVENT, "no kind", o -> o.remove("kind"), "$: required property 'kind' not found"),
                bad(Document.INGEST_EVENT, "alert without signature_id", o -> obj(o, "event", "alert").remove("signature_id"),
                        "$.event.alert: required property 'signature_id' not found"),
                bad(Document.INGEST_EVENT, "alert port as string", o -> obj(o, "event").put("src_port", "80"),
                        "$.event.src_port: integer expected, string found"),
                bad(Document.INGEST_EVENT, "event as string", o -> o.put("event", "{}"),
                        "$.event: object expected, string found"),
                bad(Document.INGEST_EVENT, "unknown key", o -> o.put("json", "{}"),
                        "$: property 'json' is not defined in the schema and the schema does not allow additional properties"),

                bad(Document.INGEST_REPORT, 2, "line 0", o -> obj(arr(o, "rejected").get(0)).put("line", 0),
                        "$.rejected[0].line: must have a minimum value of 1"),
                bad(Document.INGEST_REPORT, 2, "empty error", o -> obj(arr(o, "rejected").get(3)).put("error", ""),
                        "$.rejected[3].error: must be at least 1 characters long"),
                bad(Document.INGEST_REPORT, 2, "rejected without line", o -> obj(arr(o, "rejected").get(1)).remove("line"),
                        "$.rejected[1]: required property 'line' not found"),
                bad(Document.INGEST_REPORT, "indexed as string", o -> o.put("indexed", "2"),
                        "$.indexed: integer expected, string found"),
                bad(Document.INGEST_REPORT, "negative received", o -> o.put("received", -1),
                        "$.received: must have a minimum value of 0"),
                bad(Document.INGEST_REPORT, "no rejected list", o -> o.remove("rejected"),
                        "$: required property 'rejected' not found"),

                bad(Document.ALERTS_PAGE, 1, "hit without host", o -> obj(arr(o, "results").get(0)).remove("host"),
                        "$.results[0]: required property 'host' not found"),
                bad(Document.ALERTS_PAGE, 1, "hit without _id", o -> obj(arr(o, "results").get(1)).remove("_id"),
                        "$.results[1]: required property '_id' not found"),
                bad(Document.ALERTS_PAGE, 1, "hit _id as a path", o -> obj(arr(o, "results").get(1)).put("_id", "../x"),
                        "$.results[1]._id: does not match the regex pattern " + JOB_PATTERN),
                bad(Document.ALERTS_PAGE, 1, "hit not an alert", o -> obj(arr(o, "results").get(0)).put("event_type", "flow"),
                        "$.results[0].event_type: does not have a value in the enumeration [\"alert\", \"watchlist\"]"),
                bad(Document.ALERTS_PAGE, 1, "next not a URI", o -> o.put("next", "page 3"),
                        "$.next: does not match the uri pattern must be a valid RFC 3986 URI"),
                bad(Document.ALERTS_PAGE, "previous as a page number", o -> o.put("previous", 1),
                        "$.previous: [string, null] expected, integer found"),
                bad(Document.ALERTS_PAGE, "next left out instead of null", o -> o.remove("next"),
                        "$: required property 'next' not found"),
                bad(Document.ALERTS_PAGE, "count as string", o -> o.put("count", "0"), "$.count: integer expected, string found"),
                bad(Document.ALERTS_PAGE, "results as object", o -> o.putObject("results"),
                        "$.results: array expected, object found"),

                bad(Document.UPLOAD_ANSWER, "upload not done", o -> o.put("upload", "ok"),
                        "$.upload: must be the constant value 'done'"),
                bad(Document.UPLOAD_ANSWER, "filename a path", o -> o.put("filename", "../../etc/passwd"),
                        "$.filename: does not match the regex pattern " + JOB_PATTERN),
                bad(Document.UPLOAD_ANSWER, "no filename", o -> o.remove("filename"),
                        "$: required property 'filename' not found"),

                bad(Document.EXTRACTION_ANSWER, "extraction neither done nor pending", o -> o.put("extraction", "started"),
                        "$.extraction: does not have a value in the enumeration [\"done\", \"pending\"]"),
                bad(Document.EXTRACTION_ANSWER, "pending without a detail", o -> o.put("extraction", "pending"),
                        "$: required property 'detail' not found"),
                bad(Document.EXTRACTION_ANSWER, "done without packets", o -> o.remove("packets"),
                        "$: required property 'packets' not found"),
                bad(Document.EXTRACTION_ANSWER, "no packets", o -> o.put("packets", 0),
                        "$.packets: must have a minimum value of 1"),
                bad(Document.EXTRACTION_ANSWER, "bytes as string", o -> o.put("bytes", "1474"),
                        "$.bytes: integer expected, string found"),
                bad(Document.EXTRACTION_ANSWER, "Suricata's time instead of UTC", o -> o.put("first_ts",
                        "2023-11-14T22:13:20.045173+0000"), "$.first_ts: does not match the regex pattern " + TIMESTAMP_PATTERN),
                bad(Document.EXTRACTION_ANSWER, "empty time (report without it)", o -> o.put("last_ts", ""),
                        "$.last_ts: does not match the regex pattern " + TIMESTAMP_PATTERN),
                bad(Document.EXTRACTION_ANSWER, "no last_ts", o -> o.remove("last_ts"),
                        "$: required property 'last_ts' not found"),
                bad(Document.EXTRACTION_ANSWER, "the carve report's size leaking", o -> o.put("size", 1658),
                        "$: property 'size' is not defined in the schema and the schema does not allow additional properties"),

                bad(Document.RESULT, 4, "an extraction's port out of range", o -> ((ObjectNode) o.path("alert")).put("src_port", 70000),
                        "$.alert.src_port: must have a maximum value of 65535"),
                bad(Document.RESULT, 4, "an extraction's alert with what it does not say", o -> ((ObjectNode) o.path("alert"))
                        .put("payload", "R0VU"), "$.alert: property 'payload' is not defined in the schema and the schema does not allow"
                        + " additional properties"),
                bad(Document.RESULT, 5, "expired not an instant", o -> o.put("expired", "yesterday"),
                        "$.expired: does not match the regex pattern " + TIMESTAMP_PATTERN),

                bad(Document.STATUS_ANSWER, "status done", o -> o.put("status", "done"),
                        "$.status: does not have a value in the enumeration [\"available\", \"pending\", \"failed\", \"unknown\", \"expired\"]"),
                bad(Document.STATUS_ANSWER, "no status", o -> o.remove("status"), "$: required property 'status' not found"),
                bad(Document.STATUS_ANSWER, 3, "unknown job's answer without status", o -> o.remove("status"),
                        "$: required property 'status' not found"),
                bad(Document.STATUS_ANSWER, 3, "unknown without detail", o -> o.remove("detail"),
                        "$: required property 'detail' not found"),
                bad(Document.STATUS_ANSWER, 3, "unknown with empty error", o -> o.put("error", ""),
                        "$.error: must be at least 1 characters long"),
                bad(Document.STATUS_ANSWER, "a job's inside leaking", o -> o.put("host", "sensor-1"),
                        "$: property 'host' is not defined in the schema and the schema does not allow additional properties"),

                bad(Document.RETRIEVE_ANSWER, "retrieve as boolean", o -> o.put("retrieve", true),
                        "$.retrieve: string expected, boolean found", "$.retrieve: must be the constant value 'done'"),
                bad(Document.RETRIEVE_ANSWER, "upper-case sha256", o -> o.put("sha256", o.get("sha256").asText().toUpperCase()),
                        "$.sha256: does not match the regex pattern " + SHA256_PATTERN),
                bad(Document.RETRIEVE_ANSWER, "sha256 of 63 digits", o -> o.put("sha256", o.get("sha256").asText().substring(1)),
                        "$.sha256: does not match the regex pattern " + SHA256_PATTERN),
                bad(Document.RETRIEVE_ANSWER, "smaller than a pcap header", o -> o.put("size", 0),
                        "$.size: must have a minimum value of 24"),
                bad(Document.RETRIEVE_ANSWER, "no sha256", o -> o.remove("sha256"), "$: required property 'sha256' not found"),

                bad(Document.ERROR, "empty error", o -> o.put("error", ""), "$.error: must be at least 1 characters long"),
                bad(Document.ERROR, "no detail", o -> o.remove("detail"), "$: required property 'detail' not found"),
                bad(Document.ERROR, "null detail", o -> o.putNull("detail"), "$.detail: string expected, null found"),
                bad(Document.ERROR, "Boot's default error page", o -> o.put("message", "x").put("path", "/rest"),
                        "$: property 'message' is not defined in the schema and the schema does not allow additional properties",
                        "$: property 'path' is not defined in the schema and the schema does not allow additional properties"),
                bad(Document.ERROR, "a status other than unknown", o -> o.put("status", "pending"),
                        "$.status: must be the constant value 'unknown'"),

                bad(Document.PROBE_CARVE_REPORT, "outcome rotated out", o -> o.put("outcome", "rotated_out"),
                        "$.outcome: must be the constant value 'found'"),
                bad(Document.PROBE_CARVE_REPORT, "includes_active_segment as string",
                        o -> o.put("includes_active_segment", "true"), "$.includes_active_segment: boolean expected, string found"),
                bad(Document.PROBE_CARVE_REPORT, "time in nanoseconds", o -> o.put("first_ts", 1700000000045173000L),
                        "$.first_ts: string expected, integer found"),
                bad(Document.PROBE_CARVE_REPORT, "no job", o -> o.remove("job"), "$: required property 'job' not found"),
                bad(Document.PROBE_CARVE_REPORT, "empty carve", o -> o.put("packets", 0).put("size", 24),
                        "$.packets: must have a minimum value of 1"),

                bad(Document.PROBE_STORE_STATUS, "no rotated_bytes", o -> o.remove("rotated_bytes"),
                        "$: required property 'rotated_bytes' not found"),
                bad(Document.PROBE_STORE_STATUS, "negative packets", o -> o.put("packets", -1),
                        "$.packets: must have a minimum value of 0"),
                bad(Document.PROBE_STORE_STATUS, "segments as a list", o -> o.putArray("segments").add("segment-1.pcap"),
                        "$.segments: integer expected, array found"),
                bad(Document.PROBE_STORE_STATUS, "empty dir", o -> o.put("dir", ""), "$.dir: must be at least 1 characters long"),
                bad(Document.PROBE_STORE_STATUS, "unknown key", o -> o.put("flow_entries", 1),
                        "$: property 'flow_entries' is not defined in the schema and the schema does not allow additional properties"),

                bad(Document.MANAGER_HEALTH, 1, "ok with Elasticsearch refusing", o -> o.put("status", "ok"),
                        "$.elasticsearch.status: must be the constant value 'ok'"),
                bad(Document.MANAGER_HEALTH, "no reason", o -> obj(o.get("elasticsearch")).remove("detail"),
                        "$.elasticsearch: required property 'detail' not found"),

                bad(Document.PROBE_HEALTH, "status down", o -> o.put("status", "down"), "$.status: must be the constant value 'ok'"),
                bad(Document.PROBE_HEALTH, "no probe", o -> o.remove("probe"), "$: required property 'probe' not found"),
                bad(Document.PROBE_HEALTH, "probe with a space", o -> o.put("probe", "sensor 1"),
                        "$.probe: does not match the regex pattern " + PROBE_PATTERN),

                badArray(Document.APPLIANCES_ANSWER, 1, "reachable with an error", a -> obj(a.get(0)).put("error", "x"),
                        "$[0].error: schema for 'error' is false"),
                badArray(Document.APPLIANCES_ANSWER, 1, "reachable without store", a -> obj(a.get(0)).remove("store"),
                        "$[0]: required property 'store' not found"),
                badArray(Document.APPLIANCES_ANSWER, 1, "unreachable without detail", a -> obj(a.get(1)).remove("detail"),
                        "$[1]: required property 'detail' not found"),
                badArray(Document.APPLIANCES_ANSWER, 1, "no reachable", a -> obj(a.get(1)).remove("reachable"),
                        "$[1]: required property 'reachable' not found"),
                badArray(Document.APPLIANCES_ANSWER, 1, "store status without its probe", a -> obj(a.get(0), "store").remove("probe"),
                        "$[0].store: required property 'probe' not found"),

                bad(Document.PROBE_SETTINGS, "no version", o -> o.remove("version"), "$: required property 'version' not found"),
                bad(Document.PROBE_SETTINGS, "negative version", o -> o.put("version", -1), "$.version: must have a minimum value of 0"),
                bad(Document.PROBE_SETTINGS, "extraction as a word", o -> o.put("pcap_extraction_on_alerts", "on"),
                        "$.pcap_extraction_on_alerts: boolean expected, string found"),
                bad(Document.PROBE_SETTINGS, "a size in bytes as a number", o -> obj(o, "store").put("max_size", 1073741824L),
                        "$.store.max_size: string expected, integer found"),
                bad(Document.PROBE_SETTINGS, "a size in an unknown unit", o -> obj(o, "lookback").put("size", "2 PB"),
                        "$.lookback.size: does not match the regex pattern " + SIZE_PATTERN),
                bad(Document.PROBE_SETTINGS, "an age without its unit", o -> obj(o, "store").put("segment_age", "600"),
                        "$.store.segment_age: does not match the regex pattern " + DURATION_PATTERN),
                bad(Document.PROBE_SETTINGS, "a setting left out", o -> obj(o, "store").remove("segment_size"),
                        "$.store: required property 'segment_size' not found"),
                bad(Document.PROBE_SETTINGS, "a filter longer than 4096 characters", o -> obj(o, "capture").put("filter", "x".repeat(4097)),
                        "$.capture.filter: must be at most 4,096 characters long"),
                bad(Document.PROBE_SETTINGS, "a setting the probe does not have", o -> obj(o, "store").put("write_buffer", "64MB"),
                        "$.store: property 'write_buffer' is not defined in the schema and the schema does not allow additional properties"),
                bad(Document.PROBE_SETTINGS_ANSWER, "no version", o -> o.remove("version"), "$: required property 'version' not found"),
                bad(Document.PROBE_SETTINGS_ANSWER, "an unknown source", o -> o.put("source", "manager"),
                        "$.source: does not have a value in the enumeration [\"config-file\", \"settings-file\"]"),
                bad(Document.PROBE_SETTINGS_ANSWER, 1, "a change applied 'later'", o -> obj(arr(o, "changes").get(0)).put("applied", "later"),
                        "$.changes[0].applied: does not have a value in the enumeration [\"now\", \"at_restart\", \"live_capture_only\"]"),
                bad(Document.PROBE_SETTINGS_ANSWER, 1, "restart for a setting the probe does not have",
                        o -> arr(o, "requires_restart").add("flows.max_flows"),
                        "$.requires_restart[1]: does not have a value in the enumeration [\"pcap_extraction_on_alerts\", \"capture.filter\","
                                + " \"lookback.size\", \"store.max_size\", \"store.segment_size\", \"store.segment_age\"]"),
                bad(Document.PROBE_SETTINGS_ANSWER, "running without the store", o -> obj(o, "running").remove("store"),
                        "$.running: required property 'store' not found"),

                bad(Document.REST_ROOT, "another product", o -> o.put("name", "scirius"),
                        "$.name: must be the constant value 'flowtrap'"),
                bad(Document.REST_ROOT, "no authentication hint", o -> o.remove("authentication"),
                        "$: required property 'authentication' not found"));
    }

    private static Arguments bad(Document d, String name, Consumer<ObjectNode> damage, String... violations) {
        return bad(d, 0, name, damage, violations);
    }

    private static Arguments bad(Document d, int sample, String name, Consumer<ObjectNode> damage, String... violations) {
        Consumer<JsonNode> onNode = n -> damage.accept((ObjectNode) n);
        return Arguments.of(d, name, sample, onNode, List.of(violations));
    }

    private static Arguments badArray(Document d, int sample, String name, Consumer<ArrayNode> damage, String... violations) {
        Consumer<JsonNode> onNode = n -> damage.accept((ArrayNode) n);
        return Arguments.of(d, name, sample, onNode, List.of(violations));
    }

    private static ObjectNode obj(JsonNode node, String... path) {
        JsonNode at = node;
        for (String key : path) {
            at = at.get(key);
        }
        return (ObjectNode) at;
    }

    private static ArrayNode arr(JsonNode node, String key) {
        return (ArrayNode) node.get(key);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalid")
    void damagedDocumentsNamePathAndRule(Document d, String name, int sample, Consumer<JsonNode> damage,
            List<String> violations) {
        JsonNode doc = samples(d).get(sample);
        assertThat(DocumentSchema.of(d).validate(doc)).as("undamaged").isEmpty();
        damage.accept(doc);
        assertThat(DocumentSchema.of(d).validate(doc)).containsExactlyInAnyOrderElementsOf(violations);
    }

    @Test
    void anUnknownJobIsAStatusAnswerAndAnError() {
        JsonNode unknown = samples(Document.STATUS_ANSWER).get(3);
        assertThat(DocumentSchema.of(Document.STATUS_ANSWER).validate(unknown)).isEmpty();
        assertThat(DocumentSchema.of(Document.ERROR).validate(unknown)).isEmpty();
        ObjectNode bare = JSON.createObjectNode().put("status", "unknown");
        assertThat(DocumentSchema.of(Document.STATUS_ANSWER).validate(bare)).containsExactlyInAnyOrder(
                "$: required property 'error' not found", "$: required property 'detail' not found");
    }

    @Test
    void aHitIsAnUploadableAlertButAFlatAlertIsNoHit() {
        JsonNode hit = samples(Document.ALERTS_PAGE).get(1).get("results").get(0);
        assertThat(AlertSchema.get().validate(hit)).isEmpty();
        ObjectNode flat = AlertSchemaTest.tcpHttpAlert();
        ObjectNode page = JSON.createObjectNode().put("count", 1).putNull("next").putNull("previous");
        page.putArray("results").add(flat);
        assertThat(DocumentSchema.of(Document.ALERTS_PAGE).validate(page))
                .containsExactly("$.results[0]: required property '_id' not found");
    }

    @Test
    void theCarveReportCarriesWhatExtractionAndRetrieveAnswer() {
        JsonNode report = samples(Document.PROBE_CARVE_REPORT).get(0);
        ObjectNode extraction = JSON.createObjectNode().put("extraction", "done").put("filename", report.get("job").asText());
        for (String key : List.of("packets", "bytes", "first_ts", "last_ts")) {
            extraction.set(key, report.get(key));
        }
        ObjectNode retrieve = JSON.createObjectNode().put("retrieve", "done").put("filename", report.get("job").asText());
        retrieve.set("size", report.get("size"));
        retrieve.set("sha256", report.get("sha256"));
        assertThat(DocumentSchema.of(Document.EXTRACTION_ANSWER).validate(extraction)).isEmpty();
        assertThat(DocumentSchema.of(Document.RETRIEVE_ANSWER).validate(retrieve)).isEmpty();
    }

    @Test
    void aCarveReportFromAProbeBeforeTheRenameIsStillOne() {
        ObjectNode report = (ObjectNode) samples(Document.PROBE_CARVE_REPORT).get(0);
        report.set("active_segment_sealed", report.remove("includes_active_segment"));
        assertThat(DocumentSchema.of(Document.PROBE_CARVE_REPORT).validate(report)).isEmpty();
        report.put("active_segment_sealed", "true");
        assertThat(DocumentSchema.of(Document.PROBE_CARVE_REPORT).validate(report))
                .contains("$.active_segment_sealed: boolean expected, string found");
    }

    @Test
    void aCarveReportSaysOnceWhetherItIncludesTheActiveSegment() {
        ObjectNode both = (ObjectNode) samples(Document.PROBE_CARVE_REPORT).get(0);
        both.put("active_segment_sealed", true);
        assertThat(DocumentSchema.of(Document.PROBE_CARVE_REPORT).validate(both)).singleElement().asString()
                .contains("$.dependentSchemas.active_segment_sealed.not");
        ObjectNode neither = (ObjectNode) samples(Document.PROBE_CARVE_REPORT).get(0);
        neither.remove("includes_active_segment");
        assertThat(DocumentSchema.of(Document.PROBE_CARVE_REPORT).validate(neither)).containsExactly(
                "$: required property 'includes_active_segment' not found",
                "$: required property 'active_segment_sealed' not found");
    }

    @Test
    void everyViolationIsReported() {
        ObjectNode report = (ObjectNode) samples(Document.PROBE_CARVE_REPORT).get(0);
        report.remove("sha256");
        report.put("packets", "10");
        report.put("job", "a/b");
        assertThat(DocumentSchema.of(Document.PROBE_CARVE_REPORT).validate(report)).containsExactlyInAnyOrder(
                "$: required property 'sha256' not found",
                "$.packets: integer expected, string found",
                "$.job: does not match the regex pattern " + JOB_PATTERN);
    }

    @ParameterizedTest
    @EnumSource(value = Document.class, mode = EnumSource.Mode.EXCLUDE, names = "APPLIANCES_ANSWER")
    void notAnObject(Document d) {
        assertThat(DocumentSchema.of(d).validate(JSON.createArrayNode())).containsExactly("$: object expected, array found");
        assertThat(DocumentSchema.of(d).validate(JSON.getNodeFactory().nullNode()))
                .containsExactly("$: object expected, null found");
    }

    @Test
    void theAppliancesAnswerIsAList() {
        assertThat(DocumentSchema.of(Document.APPLIANCES_ANSWER).validate(JSON.createObjectNode()))
                .containsExactly("$: array expected, object found");
    }

    @ParameterizedTest
    @EnumSource(Document.class)
    void eachSchemaIsDraft202012AtItsId(Document d) {
        JsonNode schema = DocumentSchema.of(d).schema();
        assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.path("$id").asText()).isEqualTo(d.id()).isEqualTo("https://flowtrap.io/schemas/" + d.file());
        assertThat(schema.path("title").asText()).isNotBlank();
        assertThat(schema.path("description").asText()).isNotBlank();
        assertThat(DocumentSchema.class.getResource(d.resource())).isNotNull();
        assertThat(DocumentSchema.of(d).document()).isSameAs(d);
    }

    @Test
    void everySchemaFileIsADocumentButTheSharedDefinitions() throws IOException, URISyntaxException {
        Path dir = Path.of(DocumentSchema.class.getResource(AlertSchema.RESOURCE).toURI()).getParent();
        Set<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".schema.json"))
                    .collect(Collectors.toSet());
        }
        Set<String> documents = Arrays.stream(Document.values()).map(Document::file).collect(Collectors.toSet());
        assertThat(files).containsExactlyInAnyOrderElementsOf(
                Stream.concat(documents.stream(), Stream.of("defs.schema.json")).toList());
    }

    @Test
    void referencesAreReadFromTheClasspathNeverFetched() {
        assertThatThrownBy(() -> ClasspathSchemas.compile("remote-ref.test.json"))
                .hasMessageContaining("https://json.schemastore.org/package.json")
                .hasMessageContaining("is not allowed to be loaded");
    }

    @Test
    void loadedOnceAndSchemaIsACopy() {
        DocumentSchema schema = DocumentSchema.of(Document.ERROR);
        assertThat(DocumentSchema.of(Document.ERROR)).isSameAs(schema);
        ((ObjectNode) schema.schema()).remove("required");
        assertThat(schema.schema().has("required")).isTrue();
        assertThat(schema).hasToString("DocumentSchema[error.schema.json]");
        assertThatNullPointerException().isThrownBy(() -> DocumentSchema.of(null));
        assertThatNullPointerException().isThrownBy(() -> schema.validate(null));
    }

    @Test
    void theAlertSchemaIsTheEveAlertDocument() {
        ObjectNode a = AlertSchemaTest.tcpHttpAlert();
        a.remove("src_ip");
        a.put("dest_port", 70000);
        assertThat(AlertSchema.get().validate(a))
                .containsExactlyInAnyOrderElementsOf(DocumentSchema.of(Document.EVE_ALERT).validate(a))
                .hasSize(2);
        assertThat(AlertSchema.document()).isEqualTo(DocumentSchema.of(Document.EVE_ALERT).schema());
    }
}
