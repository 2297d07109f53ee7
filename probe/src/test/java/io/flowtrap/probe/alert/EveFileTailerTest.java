package io.flowtrap.probe.alert;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.EveFileTailer.StartPosition;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tailer against a real file that a test writes, rotates and truncates like Suricata and logrotate. */
class EveFileTailerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(10);

    @TempDir
    Path dir;
    private Path eve;
    private List<String> alertLines;
    private List<String> otherLines;
    private final RecordingSink sink = new RecordingSink();
    private final AlertIntakeCounters counters = new AlertIntakeCounters();
    private EveFileTailer tailer;
    private Thread thread;

    @BeforeEach
    void setUp() throws IOException {
        eve = dir.resolve("eve.json");
        List<String> real = EveLineDispatcherTest.realLines();
        alertLines = real.stream().filter(l -> l.contains("\"event_type\":\"alert\"")).toList();
        otherLines = real.stream().filter(l -> !l.contains("\"event_type\":\"alert\"")).toList();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (tailer != null) {
            tailer.close();
            thread.join(5000);
            assertThat(thread.isAlive()).isFalse();
        }
    }

    private void start(StartPosition position, Duration poll) {
        tailer = new EveFileTailer(eve, position, poll,
                new EveLineDispatcher(new EveAlertParser(), sink, counters));
        thread = new Thread(tailer, "tailer-test");
        thread.start();
    }

    private void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, CREATE, WRITE, APPEND);
    }

    private List<String> received(int n) throws InterruptedException {
        return sink.await(n, WAIT).stream().map(EveAlert::json).toList();
    }

    @Test
    void readsExistingLinesThenNewOnesAndIgnoresOtherTypes() throws Exception {
        append(eve, alertLines.get(0) + "\n" + otherLines.get(0) + "\n");
        start(StartPosition.BEGINNING, POLL);
        assertThat(received(1)).containsExactly(alertLines.get(0));
        append(eve, alertLines.get(1) + "\n" + otherLines.get(1) + "\n");
        assertThat(received(2)).containsExactly(alertLines.get(0), alertLines.get(1));
        assertThat(RecordingSink.eventually(() -> counters.ignored() == 2, WAIT)).isTrue();
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void aLineWrittenInTwoPiecesIsDeliveredOnceWhole() throws Exception {
        start(StartPosition.BEGINNING, POLL);
        String line = alertLines.get(2);
        int cut = line.length() / 3;
        append(eve, line.substring(0, cut));
        assertThat(RecordingSink.eventually(() -> tailer.position() == cut, WAIT)).isTrue();
        Thread.sleep(50); // several polls over the half line
        assertThat(sink.alerts()).isEmpty();
        assertThat(counters.malformed()).isZero();
        append(eve, line.substring(cut) + "\n");
        assertThat(received(1)).containsExactly(line);
        // a line after it: the tailer reads in order, so the line again, or a piece of it, would come first
        append(eve, alertLines.get(0) + "\n");
        assertThat(received(2)).containsExactly(line, alertLines.get(0));
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void renameRotationFinishesTheOldFileThenFollowsTheNewOne() throws Exception {
        append(eve, alertLines.get(0) + "\n");
        start(StartPosition.BEGINNING, Duration.ofMillis(50));
        assertThat(received(1)).hasSize(1);
        Path rotated = dir.resolve("eve.json.1");
        Files.move(eve, rotated);
        append(rotated, alertLines.get(1) + "\n"); // the writer has not reopened yet
        append(eve, alertLines.get(2) + "\n" + alertLines.get(3) + "\n");
        assertThat(received(4)).containsExactly(alertLines.get(0), alertLines.get(1), alertLines.get(2),
                alertLines.get(3));
        assertThat(tailer.rotations()).isEqualTo(1);
        append(eve, alertLines.get(4) + "\n");
        assertThat(received(5)).endsWith(alertLines.get(4));
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void renameRotationWithTheNewFileCreatedLater() throws Exception {
        append(eve, alertLines.get(0) + "\n" + "{\"event_type\":\"alert\",\"cut");
        start(StartPosition.BEGINNING, POLL);
        assertThat(received(1)).hasSize(1);
        Files.move(eve, dir.resolve("eve.json.1"));
        // the unterminated line left in the rotated file is counted, not silently lost
        assertThat(RecordingSink.eventually(() -> counters.malformed() == 1, WAIT)).isTrue();
        Thread.sleep(50);
        append(eve, alertLines.get(1) + "\n");
        assertThat(received(2)).containsExactly(alertLines.get(0), alertLines.get(1));
    }

    @Test
    void copytruncateStartsAgainFromZero() throws Exception {
        String longLine = alertLines.get(2); // 770 bytes
        String shortLine = alertLines.get(0); // 598 bytes
        append(eve, longLine + "\n" + otherLines.get(0) + "\n");
        start(StartPosition.BEGINNING, POLL);
        assertThat(received(1)).containsExactly(longLine);
        assertThat(RecordingSink.eventually(() -> counters.ignored() == 1, WAIT)).isTrue();
        Files.copy(eve, dir.resolve("eve.json.1"));
        try (FileChannel ch = FileChannel.open(eve, WRITE)) {
            ch.truncate(0);
        }
        append(eve, shortLine + "\n");
        assertThat(received(2)).containsExactly(longLine, shortLine);
        assertThat(tailer.truncations()).isEqualTo(1);
        assertThat(tailer.rotations()).isZero();
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void waitsForAFileThatDoesNotExistYet() throws Exception {
        start(StartPosition.END, POLL); // END applies to a file present at start; a new file is read whole
        Thread.sleep(50);
        assertThat(thread.isAlive()).isTrue();
        append(eve, alertLines.get(0) + "\n" + alertLines.get(1) + "\n");
        assertThat(received(2)).containsExactly(alertLines.get(0), alertLines.get(1));
    }

    @Test
    void startAtEndSkipsExistingContentIncludingAHalfWrittenLine() throws Exception {
        String half = alertLines.get(4);
        append(eve, alertLines.get(0) + "\n" + half.substring(0, 100));
        long size = Files.size(eve);
        start(StartPosition.END, POLL);
        assertThat(RecordingSink.eventually(() -> tailer.position() == size, WAIT)).isTrue();
        append(eve, half.substring(100) + "\n" + alertLines.get(1) + "\n" + alertLines.get(2) + "\n");
        // the line after it came, in order: nothing of what was there at the start came before it
        assertThat(received(2)).containsExactly(alertLines.get(1), alertLines.get(2));
        assertThat(counters.malformed()).isZero();
    }

    @Test
    void malformedLinesAreCountedAndDoNotStopTheTail() throws Exception {
        start(StartPosition.BEGINNING, POLL);
        append(eve, "not json\n" + alertLines.get(0).replace("\"src_ip\":\"10.1.2.3\"", "\"src_ip\":\"10.1.2\"")
                + "\n" + alertLines.get(1) + "\n");
        assertThat(received(1)).containsExactly(alertLines.get(1));
        assertThat(counters.malformed()).isEqualTo(2);
    }

    @Test
    void closeStopsPromptlyEvenWithALongPollInterval() throws Exception {
        append(eve, alertLines.get(0) + "\n");
        start(StartPosition.BEGINNING, Duration.ofSeconds(30));
        assertThat(received(1)).hasSize(1);
        long t0 = System.nanoTime();
        tailer.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        thread.join(1000);
        assertThat(thread.isAlive()).isFalse();
        assertThat(ms).isLessThan(1000);
        append(eve, alertLines.get(1) + "\n");
        assertThat(sink.alerts()).as("its thread has ended: nothing can come").hasSize(1);
    }
}
