package io.flowtrap.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IndexTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode template = IndexTemplate.forPattern("flowtrap-alerts-*");
    private final JsonNode mappings = template.at("/template/mappings");

    private JsonNode field(String dotted) {
        return mappings.at("/properties/" + dotted.replace(".", "/properties/"));
    }

    @Test
    void composableTemplateForThePattern() {
        assertThat(template.at("/index_patterns").toString()).isEqualTo("[\"flowtrap-alerts-*\"]");
        assertThat(template.at("/priority").asInt()).isEqualTo(200);
        JsonNode index = template.at("/template/settings/index");
        assertThat(index.get("number_of_shards").asInt()).isEqualTo(1);
        assertThat(index.get("number_of_replicas").asInt()).isZero();
        assertThat(index.get("refresh_interval").asText()).isEqualTo("5s");
        assertThat(mappings.get("dynamic").asBoolean()).isTrue();
        assertThat(template.at("/_meta/generated_from").asText()).isEqualTo(AlertSchema.RESOURCE);
    }

    @Test
    void aValueOfTheWrongKindNeverCostsItsDocument() {
        JsonNode index = template.at("/template/settings/index");
        assertThat(index.get("mapping.ignore_malformed").asBoolean()).isTrue();
        assertThat(index.get("mapping.total_fields.ignore_dynamic_beyond_limit").asBoolean()).isTrue();
        assertThat(field("unindexed_fields").toString()).isEqualTo("{\"type\":\"object\",\"enabled\":false}");
    }

    @Test
    void addressesAreIp() {
        for (String f : List.of("src_ip", "dest_ip", "flow.src_ip", "flow.dest_ip")) {
            assertThat(field(f).toString()).as(f).isEqualTo("{\"type\":\"ip\"}");
        }
    }

    @Test
    void timestampsAreDatesInSuricataFormat() {
        for (String f : List.of("timestamp", "flow.start")) {
            assertThat(field(f).get("type").asText()).as(f).isEqualTo("date");
            assertThat(field(f).get("format").asText()).as(f)
                    .isEqualTo("strict_date_optional_time||yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ||epoch_millis");
        }
    }

    @Test
    void integersAreLong() {
        for (String f : List.of("alert.signature_id", "alert.gid", "alert.rev", "alert.severity", "flow.pkts_toserver",
                "flow.pkts_toclient", "flow.bytes_toserver", "flow.bytes_toclient", "src_port", "dest_port",
                "flow_id", "pcap_cnt", "vlan")) {
            assertThat(field(f).toString()).as(f).isEqualTo("{\"type\":\"long\"}");
        }
    }

    @Test
    void stringsAreKeywordsAndTheSignatureIsAlsoText() {
        for (String f : List.of("host", "proto", "community_id", "event_type", "app_proto", "alert.category")) {
            assertThat(field(f).toString()).as(f).isEqualTo("{\"type\":\"keyword\",\"ignore_above\":1024}");
        }
        assertThat(field("alert.signature").get("type").asText()).isEqualTo("keyword");
        assertThat(field("alert.signature").at("/fields/text/type").asText()).isEqualTo("text");
    }

    @Test
    void payloadsAreKeptOutOfTheIndex() {
        assertThat(field("payload").toString()).isEqualTo("{\"type\":\"binary\"}");
        assertThat(field("packet").toString()).isEqualTo("{\"type\":\"binary\"}");
        assertThat(field("payload_printable").get("index").asBoolean(true)).isFalse();
    }

    @Test
    void openObjectsStayDynamic() {
        assertThat(field("http").toString()).isEqualTo("{\"type\":\"object\"}");
        assertThat(field("dns").toString()).isEqualTo("{\"type\":\"object\"}");
    }

    @Test
    void noMetadataFieldIsMapped() {
        assertThat(AlertSchema.document().at("/properties/_id").isObject()).isTrue();
        assertThat(mappings.get("properties").has("_id")).isFalse();
        assertThat(template.toString()).doesNotContain("\"_id\"");
    }

    /** Every typed property of the schema, at any depth, is in the mapping: no hand-kept copy can drift. */
    @Test
    void everySchemaPropertyIsMapped() {
        JsonNode schema = AlertSchema.document();
        List<String> paths = new ArrayList<>();
        collect(schema, schema, "", paths);
        assertThat(paths).contains("src_ip", "alert.signature_id", "flow.start").hasSizeGreaterThan(30);
        for (String p : paths) {
            assertThat(field(p).isObject()).as(p).isTrue();
        }
    }

    private static void collect(JsonNode root, JsonNode s, String prefix, List<String> out) {
        for (Map.Entry<String, JsonNode> e : s.path("properties").properties()) {
            JsonNode p = e.getValue().has("$ref") ? root.at(e.getValue().get("$ref").asText().substring(1)) : e.getValue();
            if (!e.getKey().startsWith("_") && p.has("type")) {
                out.add(prefix + e.getKey());
                collect(root, p, prefix + e.getKey() + ".", out);
            }
        }
    }

    @Test
    void suricataTimestampsParseWithTheJavaPattern() {
        String javaPattern = Arrays.stream(IndexTemplate.DATE_FORMAT.split("\\|\\|"))
                .filter(p -> p.contains("SSSSSS")).findFirst().orElseThrow();
        DateTimeFormatter f = DateTimeFormatter.ofPattern(javaPattern, Locale.ROOT);
        assertThat(OffsetDateTime.parse("2026-11-22T10:15:30.123456+0000", f).toInstant())
                .isEqualTo(Instant.parse("2026-11-22T10:15:30.123456Z"));
        assertThat(OffsetDateTime.parse("2026-11-22T10:15:30.123456-0530", f).toInstant())
                .isEqualTo(Instant.parse("2026-11-22T15:45:30.123456Z"));
        for (String resource : List.of("suricata7-alerts.jsonl", "suricata-7.0.10-alerts.jsonl")) {
            for (String line : AlertSchemaTest.lines(resource)) {
                ObjectNode a = AlertSchemaTest.parse(line);
                assertThat(OffsetDateTime.parse(a.get("timestamp").asText(), f)).isNotNull();
                assertThat(OffsetDateTime.parse(a.at("/flow/start").asText(), f)).isNotNull();
            }
        }
        assertThat(IndexTemplate.DYNAMIC_DATE_FORMAT).contains(javaPattern);
        assertThat(mappings.at("/dynamic_date_formats/0").asText()).isEqualTo(IndexTemplate.DYNAMIC_DATE_FORMAT);
    }

    @Test
    void builtFromTheSchemaGiven() throws Exception {
        JsonNode schema = JSON.readTree("""
                {"type":"object","properties":{
                  "when":{"$ref":"#/$defs/t"},
                  "n":{"type":"number"},
                  "ok":{"type":"boolean"},
                  "tags":{"type":"array","items":{"type":"string"}},
                  "loose":{"description":"no type: left to dynamic mapping"},
                  "_index":{"type":"string"},
                  "deep":{"type":"object","properties":{"when":{"$ref":"#/$defs/t","description":"own keywords kept"}}}},
                 "$defs":{"t":{"type":"string","x-es-type":"date"}}}""");
        JsonNode props = IndexTemplate.build(schema, "x-*").at("/template/mappings/properties");
        assertThat(props.at("/when/type").asText()).isEqualTo("date");
        assertThat(props.at("/deep/properties/when/type").asText()).isEqualTo("date");
        assertThat(props.at("/n/type").asText()).isEqualTo("double");
        assertThat(props.at("/ok/type").asText()).isEqualTo("boolean");
        assertThat(props.at("/tags/type").asText()).isEqualTo("keyword");
        assertThat(props.has("loose")).isFalse();
        assertThat(props.has("_index")).isFalse();
        assertThat(props.size()).isEqualTo(5);
    }

    @Test
    void refsThatCannotBeFollowed() throws Exception {
        assertThatIllegalArgumentException().isThrownBy(() -> IndexTemplate.build(JSON.readTree(
                "{\"properties\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}"), "x"))
                .withMessageContaining("$.a").withMessageContaining("chain");
        assertThatIllegalArgumentException().isThrownBy(() -> IndexTemplate.build(JSON.readTree(
                "{\"properties\":{\"a\":{\"$ref\":\"https://example.com/s.json\"}}}"), "x"))
                .withMessageContaining("only local");
        assertThatIllegalArgumentException().isThrownBy(() -> IndexTemplate.build(JSON.readTree(
                "{\"properties\":{\"a\":{\"$ref\":\"#/$defs/none\"}}}"), "x"))
                .withMessageContaining("names no schema");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Flowtrap-*", "a b", "a/b", "_x", "-x", "a,b", "a#b", ".", ".."})
    void rejectsWhatIsNoIndexPattern(String pattern) {
        assertThatIllegalArgumentException().isThrownBy(() -> IndexTemplate.forPattern(pattern))
                .withMessageContaining("not an index pattern");
    }

    @Test
    void eachCallIsAFreshTree() {
        ObjectNode other = IndexTemplate.forPattern("flowtrap-alerts-*");
        assertThat(other).isEqualTo(template).isNotSameAs(template);
        ((ObjectNode) other.at("/template/mappings/properties")).remove("src_ip");
        assertThat(IndexTemplate.forPattern("flowtrap-alerts-*").at("/template/mappings/properties/src_ip")
                .isObject()).isTrue();
    }

    @Test
    void flowRecordsGetTheirOwnTemplateFromTheirSchema() {
        ObjectNode t = IndexTemplate.forDocument(DocumentSchema.Document.FLOW_RECORD, "flowtrap-flows-*");
        assertThat(t.path("index_patterns").get(0).asText()).isEqualTo("flowtrap-flows-*");
        assertThat(t.path("_meta").path("generated_from").asText()).isEqualTo(DocumentSchema.Document.FLOW_RECORD.resource());
        JsonNode p = t.path("template").path("mappings").path("properties");
        assertThat(p.path("community_id").path("type").asText()).isEqualTo("keyword");
        assertThat(p.path("host").path("type").asText()).isEqualTo("keyword");
        assertThat(p.path("first_ts").path("type").asText()).isEqualTo("date");
        assertThat(p.path("last_ts").path("type").asText()).isEqualTo("date");
        assertThat(p.path("packets").path("type").asText()).isEqualTo("long");
        assertThat(p.path("from_flow_start").path("type").asText()).isEqualTo("boolean");
        assertThat(p.path("end").path("type").asText()).isEqualTo("keyword");
    }
}
