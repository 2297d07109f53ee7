package io.flowtrap.probe.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.probe.alert.AlertIntakeCounters;
import io.flowtrap.probe.capture.BpfCompiler;
import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.ProbeSettings;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.pipeline.CapturePipeline;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The triggers a probe API caller manages: checked (schema, libpcap, the list's lines), put in force
 * in a real capture engine, answered as the schema says, kept in a 0640 file a restarted probe reads
 * back (less what expired), and removed when their time comes.
 */
class TriggerServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-01T14:00:00Z");

    @TempDir
    Path dir;

    /** A clock the test moves. */
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private CapturePipeline pipeline;
    private TriggerService service;

    @BeforeEach
    void openPipeline() throws Exception {
        pipeline = CapturePipeline.open(
                new ProbeSettings.Store(dir.resolve("store"), DataSize.parse("64MB"), DataSize.parse("8MB"), Duration.ofHours(1)),
                new ProbeSettings.Flows(1024, null, null, null, null, null, null),
                new ProbeSettings.Lookback(DataSize.parse("1MB")), new AlertIntakeCounters());
    }

    @AfterEach
    void close() throws Exception {
        if (service != null) {
            service.close();
        }
        pipeline.close();
    }

    private TriggerService start() throws Exception {
        CaptureEngine engine = pipeline.engine();
        return TriggerService.start("sensor-1", new TriggersFile(dir.resolve("triggers.json")),
                expression -> BpfCompiler.compile(expression, 1, 262144), new TriggerService.Target() {
                    @Override
                    public void useTriggers(TriggerSet set) {
                        engine.useTriggers(set);
                    }

                    @Override
                    public long flowsArmedBy(int bit) {
                        return engine.flowsArmedBy(bit);
                    }
                }, clock);
    }

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFilterAndAWatchlistComeIntoForceAndAreAnsweredAsTheSchemaSays() throws Exception {
        service = start();
        ObjectNode added = service.add(body("{\"name\": \"suspects\", \"kind\": \"bpf\", \"filter\": \"host 10.0.0.21\"}"));
        assertThat(added.get("added").asText()).isEqualTo("suspects");
        ObjectNode list = service.add(body("{\"name\": \"et-block\", \"kind\": \"watchlist\", \"expires\": \"2026-12-01T15:00:00Z\","
                + " \"entries\": \"# ET\\n192.0.2.0/24\\nevil.example.com\\n198.51.100.7\\n\"}"));
        assertThat(DocumentSchema.of(Document.PROBE_TRIGGERS_ANSWER).validate(list)).isEmpty();
        assertThat(list.get("refused_count").asInt()).isEqualTo(1);
        assertThat(list.get("refused_lines").get(0).get("line").asInt()).isEqualTo(3);
        JsonNode triggers = service.answer().get("triggers");
        assertThat(triggers).hasSize(2);
        assertThat(triggers.get(0).get("filter").asText()).isEqualTo("host 10.0.0.21");
        assertThat(triggers.get(1).get("entries").asInt()).isEqualTo(2);
        assertThat(triggers.get(1).get("expires").asText()).isEqualTo("2026-12-01T15:00:00Z");
        assertThat(triggers.get(0).get("added").asText()).isEqualTo(T0.toString());
        assertThat(pipeline.engine().triggers().byName()).containsOnlyKeys("suspects", "et-block");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("triggers.json"))))
                .isEqualTo("rw-r-----");
    }

    @Test
    void badRequestsAreRefusedWithTheirReasonAndChangeNothing() throws Exception {
        service = start();
        service.add(body("{\"name\": \"suspects\", \"kind\": \"bpf\", \"filter\": \"tcp\"}"));
        assertRefused(() -> service.add(body("{\"name\": \"x\", \"kind\": \"bpf\", \"filter\": \"tcp port\"}")), 400,
                "BPF filter 'tcp port' rejected: ");
        assertRefused(() -> service.add(body("{\"name\": \"suspects\", \"kind\": \"bpf\", \"filter\": \"udp\"}")), 409,
                "in force already");
        assertRefused(() -> service.add(body("{\"name\": \"x\", \"kind\": \"watchlist\", \"filter\": \"udp\"}")), 400,
                "$: required property 'entries' not found");
        assertRefused(() -> service.add(body("{\"name\": \"x\", \"kind\": \"watchlist\", \"entries\": \"# nothing\\nbad\\n\"}")),
                400, "the watchlist has no entry it could read (1 lines refused)");
        assertRefused(() -> service.add(body("{\"name\": \"x\", \"kind\": \"bpf\", \"filter\": \"tcp\","
                + " \"expires\": \"2026-12-01T13:59:59Z\"}")), 400, "which is past");
        assertRefused(() -> service.add(body("not json")), 400, "not JSON");
        assertRefused(() -> service.remove("nobody"), 404, "no trigger named 'nobody'");
        assertThat(service.answer().get("triggers")).hasSize(1);
        assertThat(pipeline.engine().triggers().byName()).containsOnlyKeys("suspects");
    }

    @Test
    void aRestartedProbeHasTheTriggersThatHaveNotExpiredAndTheyExpireOnTime() throws Exception {
        service = start();
        service.add(body("{\"name\": \"kept\", \"kind\": \"bpf\", \"filter\": \"tcp\"}"));
        service.add(body("{\"name\": \"short\", \"kind\": \"bpf\", \"filter\": \"udp\", \"expires\": \"2026-12-01T14:10:00Z\"}"));
        service.add(body("{\"name\": \"longer\", \"kind\": \"watchlist\", \"entries\": \"192.0.2.1\\n\","
                + " \"expires\": \"2026-12-01T14:30:00Z\"}"));
        service.close();
        now.set(Instant.parse("2026-12-01T14:10:00Z"));
        service = start();
        assertThat(service.answer().get("triggers")).extracting(t -> t.get("name").asText()).containsExactly("kept", "longer");
        assertThat(pipeline.engine().triggers().byName()).containsOnlyKeys("kept", "longer");
        now.set(Instant.parse("2026-12-01T14:30:00Z"));
        assertThat(service.expire()).isEqualTo(1);
        assertThat(pipeline.engine().triggers().byName()).containsOnlyKeys("kept");
        service.remove("kept");
        service.close();
        service = start();
        assertThat(service.answer().get("triggers")).isEmpty();
        assertThat(JSON.readTree(Files.readAllBytes(dir.resolve("triggers.json"))).get("triggers")).isEmpty();
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void assertRefused(Call call, int status, String detail) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(TriggerRejected.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.detail()).contains(detail);
        });
    }
}
