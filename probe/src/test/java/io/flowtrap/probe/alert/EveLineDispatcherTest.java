package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EveLineDispatcherTest {

    static List<String> realLines() throws IOException {
        try (InputStream in = EveLineDispatcherTest.class.getResourceAsStream("eve-suricata7.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void countsEveryLineExactlyOnce() throws IOException {
        RecordingSink sink = new RecordingSink();
        AlertIntakeCounters counters = new AlertIntakeCounters();
        EveLineDispatcher d = new EveLineDispatcher(new EveAlertParser(), sink, counters);
        for (String l : realLines()) {
            d.dispatch(l, "test");
        }
        d.dispatch("", "test");
        for (int i = 0; i < 50; i++) { // more than the warning budget: counted all the same
            d.dispatch("{broken " + i, "test");
        }
        assertThat(sink.alerts()).hasSize(5);
        assertThat(counters.delivered()).isEqualTo(5);
        assertThat(counters.ignored()).isEqualTo(6);
        assertThat(counters.malformed()).isEqualTo(50);
        assertThat(counters.sinkFailures()).isZero();
    }

    @Test
    void aThrowingSinkIsCountedAndDoesNotStopTheFeed() throws IOException {
        AlertIntakeCounters counters = new AlertIntakeCounters();
        RecordingSink kept = new RecordingSink();
        EveLineDispatcher d = new EveLineDispatcher(new EveAlertParser(), alert -> {
            if (alert.protocol() == EveAlert.PROTO_ICMP) {
                throw new IllegalStateException("sink refuses ICMP");
            }
            kept.accept(alert);
        }, counters);
        for (String l : realLines()) {
            d.dispatch(l, "test");
        }
        assertThat(counters.sinkFailures()).isEqualTo(1);
        assertThat(counters.delivered()).isEqualTo(4);
        assertThat(kept.alerts()).hasSize(4);
    }

    @Test
    void engineCountersAreIndependent() {
        AlertIntakeCounters c = new AlertIntakeCounters();
        c.incrementMatched();
        c.incrementLate();
        c.incrementLate();
        c.incrementUnknown();
        c.incrementDuplicate();
        assertThat(List.of(c.matched(), c.late(), c.unknown(), c.duplicate(), c.delivered()))
                .containsExactly(1L, 2L, 1L, 1L, 0L);
        assertThat(c.toString()).contains("late=2");
    }
}
