package io.flowtrap.probe.extraction;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import io.flowtrap.store.FlowQuery;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The time bounds an alert gives a query: its flow's start less the slack, and twice the idle timeout plus the slack. */
class FlowQueriesTest {
    private static final String ALERT = "{\"timestamp\":\"2023-11-14T22:13:20.016584+0000\",\"event_type\":\"alert\","
            + "\"src_ip\":\"10.0.0.1\",\"src_port\":20001,\"dest_ip\":\"192.0.2.2\",\"dest_port\":80,\"proto\":\"TCP\","
            + "\"community_id\":\"1:XRbEC5ODBxO/ZJLiYfFvwU9w0WE=\",\"alert\":{\"signature_id\":9100005},"
            + "\"flow\":{\"pkts_toserver\":3,\"pkts_toclient\":2,\"start\":\"2023-11-14T22:13:19.999999+0000\"}}";

    private static long nanos(String instant) {
        Instant t = Instant.parse(instant);
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Test
    void anAlertBoundsTheSearchByItsFlowStartAndTheIdleTimeout() throws Exception {
        EveAlert alert = new EveAlertParser().parse(ALERT).orElseThrow();
        FlowQuery q = FlowQueries.forAlert(alert, Duration.ofSeconds(600));
        assertThat(q.fromNanos()).isEqualTo(nanos("2023-11-14T22:13:17.999999Z"));
        assertThat(q.toNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(q.seenAtNanos()).isEqualTo(nanos("2023-11-14T22:13:20.016584Z"));
        assertThat(q.maxGapNanos()).isEqualTo(Duration.ofSeconds(1202).toNanos());
    }

    @Test
    void withoutFlowStartTheSearchStartsAtTheBeginning() throws Exception {
        EveAlert alert = new EveAlertParser().parse(ALERT.replace(",\"start\":\"2023-11-14T22:13:19.999999+0000\"", ""))
                .orElseThrow();
        assertThat(alert.flowStartNanos()).isZero();
        assertThat(FlowQueries.forAlert(alert, Duration.ofSeconds(60)).fromNanos()).isZero();
    }

    @Test
    void aCommunityIdAloneHasNoTimeUnlessGivenOne() {
        String cid = "1:XRbEC5ODBxO/ZJLiYfFvwU9w0WE=";
        FlowQuery any = FlowQueries.forCommunityId(cid);
        assertThat(any.fromNanos()).isZero();
        assertThat(any.toNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(any.seenAtNanos()).isZero();
        FlowQuery window = FlowQueries.forCommunityId(cid, 5, 9);
        assertThat(window.fromNanos()).isEqualTo(5);
        assertThat(window.toNanos()).isEqualTo(9);
    }
}
