package io.flowtrap.probe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.alert.EveAlert;
import io.flowtrap.probe.alert.EveAlertParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounded alert hand-off: order, refusal when full, and many producers against one consumer. */
class BoundedInboxTest {
    private static final String LINE = "{\"timestamp\":\"2025-01-02T03:04:05.123456+0000\",\"event_type\":\"alert\","
            + "\"src_ip\":\"10.0.0.1\",\"src_port\":1234,\"dest_ip\":\"10.0.0.2\",\"dest_port\":80,\"proto\":\"TCP\","
            + "\"alert\":{\"signature_id\":%d,\"signature\":\"t\"}}";

    private static EveAlert alert(long sid) throws Exception {
        return new EveAlertParser().parse(String.format(LINE, sid)).orElseThrow();
    }

    @Test
    void keepsOrderAndRefusesWhenFullWithoutLosingWhatItHolds() throws Exception {
        BoundedInbox<EveAlert> inbox = new BoundedInbox<>(5); // rounded up to 8
        assertThat(inbox.capacity()).isEqualTo(8);
        assertThat(inbox.poll()).isNull();
        for (int i = 0; i < 8; i++) {
            assertThat(inbox.offer(alert(i))).isTrue();
        }
        assertThat(inbox.offer(alert(99))).isFalse();
        assertThat(inbox.poll().signatureId()).isEqualTo(0);
        assertThat(inbox.offer(alert(8))).isTrue(); // one slot freed, one taken
        assertThat(inbox.offer(alert(99))).isFalse();
        for (int i = 1; i <= 8; i++) {
            assertThat(inbox.poll().signatureId()).isEqualTo(i);
        }
        assertThat(inbox.poll()).isNull();
    }

    @Test
    void manyProducersOneConsumerEveryOfferedAlertComesOutOnce() throws Exception {
        BoundedInbox<EveAlert> inbox = new BoundedInbox<>(64);
        int producers = 3;
        int perProducer = 50_000;
        EveAlert[] alerts = new EveAlert[producers];
        for (int p = 0; p < producers; p++) {
            alerts[p] = alert(p);
        }
        AtomicLong refused = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            EveAlert a = alerts[p];
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    if (!inbox.offer(a)) {
                        refused.incrementAndGet();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        long[] taken = new long[producers];
        go.countDown();
        while (threads.stream().anyMatch(Thread::isAlive)) {
            EveAlert a = inbox.poll();
            if (a != null) {
                taken[(int) a.signatureId()]++;
            }
        }
        for (EveAlert a; (a = inbox.poll()) != null; ) {
            taken[(int) a.signatureId()]++;
        }
        long total = 0;
        for (long n : taken) {
            total += n;
        }
        assertThat(total + refused.get()).isEqualTo((long) producers * perProducer);
        assertThat(total).isPositive();
    }
}
