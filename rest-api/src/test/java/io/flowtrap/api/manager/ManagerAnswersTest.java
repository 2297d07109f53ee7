package io.flowtrap.api.manager;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each record serialises to exactly the wire's document (its schema's, field for field) and reads back equal. */
class ManagerAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "a1b2c3";

    @Test
    void uploadAnswer() throws Exception {
        check(UploadAnswer.done(JOB), Document.UPLOAD_ANSWER, "{\"upload\":\"done\",\"filename\":\"a1b2c3\"}");
    }

    @Test
    void extractionAnswerDoneAndPending() throws Exception {
        check(ExtractionAnswer.done(JOB, 10, 1200, "2026-12-01T10:00:00.000000001Z", "2026-12-01T10:00:01Z"),
                Document.EXTRACTION_ANSWER, "{\"extraction\":\"done\",\"filename\":\"a1b2c3\",\"packets\":10,\"bytes\":1200,"
                        + "\"first_ts\":\"2026-12-01T10:00:00.000000001Z\",\"last_ts\":\"2026-12-01T10:00:01Z\"}");
        check(ExtractionAnswer.pending(JOB, "still carving"), Document.EXTRACTION_ANSWER,
                "{\"extraction\":\"pending\",\"filename\":\"a1b2c3\",\"detail\":\"still carving\"}");
    }

    @Test
    void statusAnswerAndTheUnknownJob() throws Exception {
        check(StatusAnswer.of("available"), Document.STATUS_ANSWER, "{\"status\":\"available\"}");
        check(StatusAnswer.unknown(JOB), Document.STATUS_ANSWER,
                "{\"status\":\"unknown\",\"error\":\"unknown job\",\"detail\":\"no extraction job a1b2c3\"}");
    }

    @Test
    void retrieveAnswer() throws Exception {
        check(RetrieveAnswer.done(JOB, 1384, "ab".repeat(32)), Document.RETRIEVE_ANSWER,
                "{\"retrieve\":\"done\",\"filename\":\"a1b2c3\",\"size\":1384,\"sha256\":\"" + "ab".repeat(32) + "\"}");
    }

    @Test
    void alertsPageKeepsNullLinks() throws Exception {
        AlertsPage page = new AlertsPage(0, null, null, List.of());
        check(page, Document.ALERTS_PAGE, "{\"count\":0,\"next\":null,\"previous\":null,\"results\":[]}");
    }

    @Test
    void ingestReport() throws Exception {
        IngestReport report = new IngestReport(3, 1, List.of(new IngestReport.Rejected(2, "not JSON: x")),
                List.of(new IngestReport.Unindexed(3, List.of("x_count"))));
        check(report, Document.INGEST_REPORT, "{\"received\":3,\"indexed\":1,\"rejected\":[{\"line\":2,\"error\":\"not JSON: x\"}],"
                + "\"unindexed\":[{\"line\":3,\"fields\":[\"x_count\"]}]}");
    }

    @Test
    void anExpiredExtractionResult() throws Exception {
        ResultAnswer.Alert alert = new ResultAnswer.Alert("ET POLICY curl", 2013028L, "2026-12-01T10:00:00.000001+0000", 42L,
                "1:abc=", "10.0.0.1", 40000, "192.0.2.17", 80, "TCP", true);
        ResultAnswer r = new ResultAnswer("extraction", JOB, "ET POLICY curl: 10.0.0.1:40000 → 192.0.2.17:80 TCP", "ana",
                "2026-12-01T10:00:02Z", List.of("sensor-1"), JOB + ".pcap", 1384, 10, 1200, "ab".repeat(32), List.of("incident-7"),
                null, null, null, null, null, null, null, null, null, null, "its pcap expired", alert, "2026-12-02T10:00:02Z");
        check(r, Document.RESULT, "{\"kind\":\"extraction\",\"id\":\"a1b2c3\",\"name\":\"ET POLICY curl: 10.0.0.1:40000 → 192.0.2.17:80 TCP\","
                + "\"analyst\":\"ana\",\"created\":\"2026-12-01T10:00:02Z\",\"probes\":[\"sensor-1\"],\"file_name\":\"a1b2c3.pcap\","
                + "\"size\":1384,\"packets\":10,\"bytes\":1200,\"sha256\":\"" + "ab".repeat(32) + "\",\"tags\":[\"incident-7\"],"
                + "\"message\":\"its pcap expired\",\"alert\":{\"signature\":\"ET POLICY curl\",\"signature_id\":2013028,"
                + "\"timestamp\":\"2026-12-01T10:00:00.000001+0000\",\"flow_id\":42,\"community_id\":\"1:abc=\",\"src_ip\":\"10.0.0.1\","
                + "\"src_port\":40000,\"dest_ip\":\"192.0.2.17\",\"dest_port\":80,\"proto\":\"TCP\",\"whole\":true},"
                + "\"expired\":\"2026-12-02T10:00:02Z\"}");
    }

    @Test
    void readersIgnoreFieldsTheyDoNotKnow() throws Exception {
        ObjectNode more = (ObjectNode) JSON.readTree("{\"upload\":\"done\",\"filename\":\"a1b2c3\",\"later\":1}");
        assertThat(JSON.treeToValue(more, UploadAnswer.class)).isEqualTo(UploadAnswer.done(JOB));
    }

    private static void check(Object answer, Document schema, String wire) throws Exception {
        String json = JSON.writeValueAsString(answer);
        assertThat(json).isEqualTo(wire);
        JsonNode node = JSON.readTree(json);
        assertThat(DocumentSchema.of(schema).validate(node)).isEmpty();
        assertThat(JSON.treeToValue(node, answer.getClass())).isEqualTo(answer);
    }
}
