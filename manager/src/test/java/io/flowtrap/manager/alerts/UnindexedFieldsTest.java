package io.flowtrap.manager.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Moving the parts of an alert that cannot be indexed aside: which parts, and never those that find the flow. */
class UnindexedFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode alert(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void theFieldElasticsearchNamesIsMovedAsItCameUnderItsPath() throws Exception {
        ObjectNode a = alert("{\"timestamp\":\"t\",\"http\":{\"status\":{\"x\":1},\"url\":\"/\"}}");
        String field = UnindexedFields.fieldNamedIn(
                "document_parsing_exception: [1:40] failed to parse field [http.status] of type [long] in document", a);
        assertThat(field).isEqualTo("http.status");
        assertThat(UnindexedFields.moveAside(a, field)).isTrue();
        assertThat(a.toString()).isEqualTo("{\"timestamp\":\"t\",\"http\":{\"url\":\"/\"},\"unindexed_fields\":{\"http.status\":{\"x\":1}}}");
    }

    @Test
    void aReasonNamingNoFieldOfTheAlertOrOnlyOneThatFindsTheFlowMovesNothing() throws Exception {
        ObjectNode a = alert("{\"timestamp\":\"t\",\"src_ip\":\"x\"}");
        assertThat(UnindexedFields.fieldNamedIn("Limit of mapping depth [20] has been exceeded", a)).isNull();
        assertThat(UnindexedFields.fieldNamedIn("failed to parse field [src_ip] of type [ip]", a)).isNull();
    }

    @Test
    void schemaViolationsOutsideTheFlowFieldsAreMovedAndOnlyTheirOwnAbsenceIsForgiven() throws Exception {
        ObjectNode a = alert("{\"alert\":{\"signature_id\":\"sid\",\"severity\":{}},\"src_ip\":\"10.0.0.1\"}");
        List<String> moved = UnindexedFields.moveSchemaViolations(a, List.of(
                "$.event.alert.signature_id: integer expected, string found", "$.event.alert.severity: integer expected, object found"));
        assertThat(moved).containsExactly("alert.signature_id", "alert.severity");
        assertThat(a.path("alert").isEmpty()).isTrue();
        assertThat(a.path("unindexed_fields").path("alert.signature_id").asText()).isEqualTo("sid");
        assertThat(UnindexedFields.onlyMissingBecauseMoved("$.event.alert: required property 'signature_id' not found", moved))
                .isTrue();
        assertThat(UnindexedFields.onlyMissingBecauseMoved("$.event: required property 'proto' not found", moved)).isFalse();
    }

    @Test
    void aBadValueInAFieldThatFindsTheFlowOrAMissingFieldIsNotMoved() throws Exception {
        ObjectNode a = alert("{\"src_ip\":\"nope\",\"alert\":{}}");
        assertThat(UnindexedFields.moveSchemaViolations(a, List.of("$.event.src_ip: does not match the ip format"))).isEmpty();
        assertThat(UnindexedFields.moveSchemaViolations(a, List.of("$.event.alert: required property 'signature_id' not found")))
                .isEmpty();
        assertThat(a.has("unindexed_fields")).isFalse();
    }

    @Test
    void theLastResortKeepsWhatFindsTheAlertAndEverythingElseAsItCame() throws Exception {
        ObjectNode a = alert("{\"timestamp\":\"t\",\"host\":\"p\",\"src_ip\":\"10.0.0.1\",\"flow_id\":5,\"alert\":{\"signature_id\":9,"
                + "\"x\":[1]},\"weird\":{\"a\":1}}");
        ObjectNode kept = UnindexedFields.everythingAside(a);
        assertThat(kept.path("timestamp").asText()).isEqualTo("t");
        assertThat(kept.path("host").asText()).isEqualTo("p");
        assertThat(kept.path("flow_id").asLong()).isEqualTo(5);
        assertThat(kept.path("alert").toString()).isEqualTo("{\"signature_id\":9}");
        assertThat(kept.has("weird")).isFalse();
        assertThat(kept.at("/unindexed_fields/event/weird/a").asInt()).isEqualTo(1);
    }
}
