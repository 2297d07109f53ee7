package io.flowtrap.probe.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.cli.ProbeCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.io.TempDir;

@Tag("hostile-input")
class SpoolShipperTest {

    private static final String TOKEN = "s3cret-token";
    /** An event sent last, to know that everything before it has come ({@link #acceptedBeforeAMarker}). */
    private static final String MARKER = "{\"marker\":true}";

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    private static SpoolConfig config(URI url, String token, int batchSize) {
        return new SpoolConfig(url, token, null, batchSize, "probe-\"7\"",
                Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    private SpoolShipper shipper(EventSpool spool, SpoolConfig config) throws IOException, GeneralSecurityException {
        return track(new SpoolShipper(spool, config)).start();
    }

    private static String alert(int n) {
        return "{\"timestamp\":\"2024-05-01T10:00:00.000000+0000\",\"event_type\":\"alert\",\"n\":" + n
                + ",\"alert\":{\"signature\":\"ET \\\"quoted\\\" \\u00e9\"}}";
    }

    private static List<Integer> numbers(List<JsonNode> events) {
        return events.stream().map(e -> e.get("n").asInt()).toList();
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    /**
     * The events the manager accepted, once no more of them can come: appends a marker event and
     * waits until the manager has it. The shipper sends one batch at a time in spool order, so
     * whatever it would still send of the events before the marker (a batch again, an event twice)
     * reaches the manager before it; a wait of a fixed time would miss what comes after a back-off.
     * Returns once {@code shipper} has counted the marker's batch too.
     */
    private static List<JsonNode> acceptedBeforeAMarker(EventSpool spool, ManagerStandIn manager, SpoolShipper shipper)
            throws InterruptedException {
        long batches = shipper.batches();
        assertThat(spool.append(EventSpool.ALERT, MARKER)).isTrue();
        await("the marker delivered", Duration.ofSeconds(10), () -> {
            List<JsonNode> events = manager.acceptedEvents();
            return !events.isEmpty() && events.get(events.size() - 1).path("marker").asBoolean()
                    && shipper.batches() > batches; // the shipper counts a batch after its events, before its backlog
        });
        List<JsonNode> events = manager.acceptedEvents();
        assertThat(events.stream().filter(e -> e.path("marker").asBoolean())).as("the marker, once").hasSize(1);
        return events.subList(0, events.size() - 1);
    }

    static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void deliversEveryAlertOnceInOrderAsNdjsonWithTheToken() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http(ManagerStandIn.always(200)));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 5_000; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        spool.append(EventSpool.FLOW, "{\"flow_id\":42,\"packets\":7}\n");
        SpoolShipper shipper = shipper(spool, config(manager.url(), TOKEN, 1_000));

        await("all delivered", Duration.ofSeconds(10), () -> shipper.shipped() == 5_001);
        List<JsonNode> events = acceptedBeforeAMarker(spool, manager, shipper);

        assertThat(events).as("each once").hasSize(5_001);
        List<JsonNode> lines = manager.accepted().subList(0, 5_001);
        assertThat(numbers(events.subList(0, 5_000))).isEqualTo(range(0, 5_000));
        assertThat(lines.get(0).get("kind").asText()).isEqualTo("alert");
        assertThat(lines.get(0).get("probe").asText()).isEqualTo("probe-\"7\"");
        assertThat(lines.get(0).get("event").get("alert").get("signature").asText()).isEqualTo("ET \"quoted\" é");
        assertThat(lines.get(5_000).get("kind").asText()).isEqualTo("flow");
        assertThat(lines.get(5_000).get("event").get("flow_id").asLong()).isEqualTo(42);
        // the event is carried byte for byte: content-derived ids on the manager depend on it
        assertThat(manager.requests().get(0).body())
                .startsWith("{\"kind\":\"alert\",\"probe\":\"probe-\\\"7\\\"\",\"event\":" + alert(0) + "}\n");
        assertThat(manager.requests()).allSatisfy(r -> {
            assertThat(r.contentType()).isEqualTo("application/x-ndjson");
            assertThat(r.authorization()).isEqualTo("Token " + TOKEN);
            assertThat(r.body().split("\n")).hasSizeLessThanOrEqualTo(1_000);
        });
        assertThat(shipper.batches()).isEqualTo(manager.requests().size()).isGreaterThanOrEqualTo(6);
        assertThat(shipper.failures()).isZero();
        assertThat(shipper.rejected()).isZero();
        assertThat(shipper.backlog()).isZero();
        assertThat(spool.appended()).isEqualTo(5_001 + 1); // the marker
    }

    @Test
    void retriesWithGrowingBackoffThrough503AndLosesNothing() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http((n, r) -> n <= 4 ? 503 : 200));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 300; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        // 503 is "not now" (Elasticsearch down behind the manager): never split, never dead-lettered, even
        // with dead letters after one failure
        SpoolShipper shipper = shipper(spool, config(manager.url(), TOKEN, 100).withDeadLetters(1, Duration.ZERO, 1 << 20));

        await("all delivered", Duration.ofSeconds(10), () -> shipper.shipped() == 300);

        assertThat(numbers(acceptedBeforeAMarker(spool, manager, shipper))).isEqualTo(range(0, 300));
        assertThat(shipper.failures()).isEqualTo(4);
        assertThat(shipper.rejected()).isZero();
        assertThat(shipper.deadLettered()).isZero();
        assertThat(shipper.deadLetters().list()).isEmpty();
        List<ManagerStandIn.Request> requests = manager.requests();
        // the same first batch each time, after back-offs of 20, 40, 80 and 160 ms
        assertThat(requests.subList(0, 5)).extracting(ManagerStandIn.Request::body).containsOnly(requests.get(0).body());
        long waitedMillis = (requests.get(4).nanos() - requests.get(0).nanos()) / 1_000_000;
        assertThat(waitedMillis).isGreaterThanOrEqualTo(300);
        // Lower bounds only: a busy machine can stretch any gap, never shorten one (comparing the first
        // gap with the last failed once on a loaded machine).
        long lastGap = (requests.get(4).nanos() - requests.get(3).nanos()) / 1_000_000;
        assertThat(lastGap).as("the fourth back-off").isGreaterThanOrEqualTo(160);
    }

    @Test
    void holdsEventsWhileTheManagerIsDownAndDeliversThemWhenItComesUp() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + ManagerStandIn.PATH);
        EventSpool spool = track(new EventSpool(dir));
        SpoolShipper shipper = shipper(spool, config(url, TOKEN, 64));
        for (int i = 0; i < 200; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        await("connection failures", Duration.ofSeconds(5), () -> shipper.failures() >= 3);
        assertThat(shipper.shipped()).isZero();
        assertThat(shipper.backlog()).isEqualTo(200);

        ManagerStandIn manager = track(ManagerStandIn.http(port, ManagerStandIn.always(200)));
        await("all delivered", Duration.ofSeconds(5), () -> shipper.shipped() == 200);
        assertThat(numbers(acceptedBeforeAMarker(spool, manager, shipper))).isEqualTo(range(0, 200));
        // the shipper counts the marker's batch before it counts its backlog again
        await("an empty backlog", Duration.ofSeconds(5), () -> shipper.backlog() == 0);
    }

    @Test
    void aRestartedProbeShipsOnlyWhatWasNotDeliveredBefore() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http(ManagerStandIn.always(200)));
        try (EventSpool spool = new EventSpool(dir)) {
            for (int i = 0; i < 100; i++) {
                spool.append(EventSpool.ALERT, alert(i));
            }
            try (SpoolShipper shipper = new SpoolShipper(spool, config(manager.url(), TOKEN, 1_000)).start()) {
                await("first 100", Duration.ofSeconds(5), () -> shipper.shipped() == 100);
            }
        }
        assertThat(numbers(manager.acceptedEvents())).isEqualTo(range(0, 100));

        EventSpool reopened = track(new EventSpool(dir));
        for (int i = 100; i < 150; i++) {
            reopened.append(EventSpool.ALERT, alert(i));
        }
        SpoolShipper again = shipper(reopened, config(manager.url(), TOKEN, 1_000));
        await("next 50", Duration.ofSeconds(5), () -> again.shipped() == 50);
        assertThat(numbers(acceptedBeforeAMarker(reopened, manager, again))).isEqualTo(range(0, 150));
        assertThat(again.shipped()).isEqualTo(50 + 1); // and the marker
    }

    @Test
    void filesOfCyclesDeliveredToTheEndAreDeletedAndNothingIsLostOrResent() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http(ManagerStandIn.always(200)));
        try (EventSpool spool = new EventSpool(dir, TestRollCycles.TEST_SECONDLY)) {
            for (int second = 0; second < 3; second++) { // three one-second cycles, so three files
                for (int i = 0; i < 10; i++) {
                    spool.append(EventSpool.ALERT, alert(second * 10 + i));
                }
                long now = System.currentTimeMillis();
                Thread.sleep(1_000 - now % 1_000 + 20);
            }
            assertThat(cycleFiles()).hasSizeGreaterThanOrEqualTo(3);
            try (SpoolShipper shipper = new SpoolShipper(spool, config(manager.url(), TOKEN, 10)).start()) {
                await("all 30", Duration.ofSeconds(10), () -> shipper.shipped() == 30);
                await("pruned", Duration.ofSeconds(5), () -> cycleFiles().size() == 1);
            }
        }
        assertThat(numbers(manager.acceptedEvents())).isEqualTo(range(0, 30));

        EventSpool reopened = track(new EventSpool(dir, TestRollCycles.TEST_SECONDLY));
        reopened.append(EventSpool.ALERT, alert(30));
        SpoolShipper again = shipper(reopened, config(manager.url(), TOKEN, 10));
        await("the new one", Duration.ofSeconds(5), () -> again.shipped() == 1);
        assertThat(numbers(acceptedBeforeAMarker(reopened, manager, again))).isEqualTo(range(0, 31));
    }

    private List<String> cycleFiles() {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cq4")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRestartAfterEverythingWasDeliveredWaitsForNewEvents() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http(ManagerStandIn.always(200)));
        try (EventSpool spool = new EventSpool(dir)) {
            for (int i = 0; i < 10; i++) {
                spool.append(EventSpool.ALERT, alert(i));
            }
            try (SpoolShipper shipper = new SpoolShipper(spool, config(manager.url(), TOKEN, 1_000)).start()) {
                await("first 10", Duration.ofSeconds(5), () -> shipper.shipped() == 10);
            }
        }
        EventSpool reopened = track(new EventSpool(dir));
        SpoolShipper again = shipper(reopened, config(manager.url(), TOKEN, 1_000));
        // what a restarted shipper would send again of the delivered ten would reach the manager before these
        reopened.append(EventSpool.ALERT, alert(10));
        assertThat(numbers(acceptedBeforeAMarker(reopened, manager, again))).isEqualTo(range(0, 11));
        assertThat(again.shipped()).as("the new one and the marker").isEqualTo(2);
    }

    @Test
    void aPoisonEventIsRejectedAloneAndEverythingElseIsDelivered() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http((n, r) -> r.body().contains("\"poison\"") ? 400 : 200));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 1_000; i++) {
            spool.append(EventSpool.ALERT, i == 437 ? "{\"n\":437,\"poison\":true}" : alert(i));
        }
        SpoolShipper shipper = shipper(spool, config(manager.url(), TOKEN, 100));

        await("all but the poison", Duration.ofSeconds(10), () -> shipper.shipped() == 999 && shipper.rejected() == 1);
        List<Integer> expected = new ArrayList<>(range(0, 1_000));
        expected.remove(Integer.valueOf(437));
        assertThat(numbers(acceptedBeforeAMarker(spool, manager, shipper))).isEqualTo(expected);
        assertThat(shipper.rejected()).isEqualTo(1);
        assertThat(shipper.failures()).isZero();
        ManagerStandIn.Request last400 = manager.requests().stream().filter(r -> r.status() == 400)
                .reduce((a, b) -> b).orElseThrow();
        assertThat(last400.body().split("\n")).hasSize(1); // narrowed down to the poison alone
    }

    /** Runs the probe's command line in this JVM; its standard output. */
    private static String cli(String... args) {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = ProbeCommand.execute(args);
        } finally {
            System.setOut(before);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(String.join(" ", args) + ": " + text).isZero();
        return text;
    }

    @Test
    void hostileInputABatchAnswered500IsSplitAndTheEventThatKeepsFailingAloneIsDeadLetteredListedAndResent() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http((n, r) -> r.body().contains("\"n\":437,") ? 500 : 200));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 1_000; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        SpoolShipper shipper = shipper(spool, config(manager.url(), TOKEN, 100).withDeadLetters(3, Duration.ofHours(1), 1 << 20));

        await("all but the one the manager fails on", Duration.ofSeconds(20),
                () -> shipper.shipped() == 999 && shipper.deadLettered() == 1);
        List<Integer> expected = new ArrayList<>(range(0, 1_000));
        expected.remove(Integer.valueOf(437));
        assertThat(numbers(manager.acceptedEvents())).as("in order, nothing held back after it").isEqualTo(expected);
        assertThat(shipper.rejected()).isEqualTo(1);
        List<ManagerStandIn.Request> alone = manager.requests().stream()
                .filter(r -> r.status() == 500 && r.body().split("\n").length == 1).toList();
        assertThat(alone).as("three answers for the event alone, then dead-lettered").hasSize(3);
        List<DeadLetters.Letter> letters = shipper.deadLetters().list();
        assertThat(letters).hasSize(1);
        DeadLetters.Letter letter = letters.get(0);
        assertThat(letter.kind()).isEqualTo(EventSpool.ALERT);
        assertThat(letter.event()).isEqualTo(alert(437));
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.reason()).contains("manager answered 500");
        assertThat(letter.lastAttempt()).isAfterOrEqualTo(letter.firstAttempt());
        assertThat(shipper.deadLetters().file()).isEqualTo(dir.resolve(DeadLetters.FILE_NAME));
        assertThat(java.nio.file.Files.getPosixFilePermissions(shipper.deadLetters().file()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));

        String listed = cli("spool", "dead-letters", "--spool", dir.toString());
        assertThat(listed).contains("1 dead letter(s)", "alert attempts=3", "first_attempt=" + letter.firstAttempt(),
                "last_attempt=" + letter.lastAttempt(), "manager answered 500", alert(437));

        manager.policy(ManagerStandIn.always(200)); // the manager is fixed: send it again
        assertThat(cli("spool", "resend-dead-letters", "--spool", dir.toString())).contains("1 dead letter(s) put back");
        await("the dead letter delivered", Duration.ofSeconds(20), () -> shipper.shipped() == 1_000);
        List<JsonNode> events = manager.acceptedEvents();
        assertThat(numbers(events.subList(999, 1_000))).containsExactly(437);
        assertThat(shipper.deadLetters().list()).isEmpty();
        assertThat(cli("spool", "dead-letters", "--spool", dir.toString())).contains("0 dead letter(s)");
    }

    @Test
    void hostileInputAnEventThatFailsAloneForLongerThanTheDeadLetterAgeIsDeadLetteredBeforeItsAttemptsRunOut() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http((n, r) -> r.body().contains("\"n\":3,") ? 501 : 200));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 10; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        SpoolShipper shipper = shipper(spool, config(manager.url(), TOKEN, 10).withDeadLetters(1_000, Duration.ofMillis(300), 1 << 20));

        await("all but the failing one", Duration.ofSeconds(20), () -> shipper.shipped() == 9 && shipper.deadLettered() == 1);
        DeadLetters.Letter letter = shipper.deadLetters().list().get(0);
        assertThat(letter.attempts()).isBetween(2, 999);
        assertThat(Duration.between(letter.firstAttempt(), letter.lastAttempt())).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(numbers(manager.acceptedEvents())).isEqualTo(List.of(0, 1, 2, 4, 5, 6, 7, 8, 9));
    }

    @Test
    void aWrongTokenHoldsEventsBackUntilItIsFixed() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http(
                (n, r) -> ("Token " + TOKEN).equals(r.authorization()) ? 200 : 401));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 250; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        try (SpoolShipper wrong = new SpoolShipper(spool, config(manager.url(), "not-the-token", 100)).start()) {
            await("401s", Duration.ofSeconds(5), () -> wrong.failures() >= 3);
            assertThat(wrong.rejected()).isZero();
            assertThat(wrong.shipped()).isZero();
        }
        assertThat(manager.accepted()).isEmpty();

        SpoolShipper right = shipper(spool, config(manager.url(), TOKEN, 100));
        await("all delivered", Duration.ofSeconds(5), () -> right.shipped() == 250);
        assertThat(numbers(acceptedBeforeAMarker(spool, manager, right))).isEqualTo(range(0, 250));
        assertThat(right.rejected()).isZero();
    }

    @Test
    void closeStopsWithinASecondDuringAHangingPostAndTheBatchIsResentLater() throws Exception {
        ManagerStandIn manager = track(ManagerStandIn.http((n, r) -> {
            if (n == 1) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 503;
            }
            return 200;
        }));
        EventSpool spool = track(new EventSpool(dir));
        for (int i = 0; i < 20; i++) {
            spool.append(EventSpool.ALERT, alert(i));
        }
        SpoolShipper hanging = new SpoolShipper(spool, config(manager.url(), TOKEN, 100)).start();
        await("the POST", Duration.ofSeconds(5), () -> manager.arrived() == 1);
        long start = System.nanoTime();
        hanging.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(hanging.isAlive()).isFalse();
        assertThat(hanging.shipped()).isZero();

        SpoolShipper next = shipper(spool, config(manager.url(), TOKEN, 100));
        await("all delivered", Duration.ofSeconds(8), () -> next.shipped() == 20);
        assertThat(numbers(acceptedBeforeAMarker(spool, manager, next))).isEqualTo(range(0, 20));
    }
}
