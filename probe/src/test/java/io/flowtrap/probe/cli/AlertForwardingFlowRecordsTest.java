package io.flowtrap.probe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.probe.flow.FlowEndReason;
import io.flowtrap.probe.pipeline.CaptureEngine;
import io.flowtrap.probe.spool.EventSpool;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow records leave the capture thread through a bounded inbox and are spooled by a thread of
 * their own (a real spool on disk): every record is spooled or counted as unspooled, and none is
 * lost once records may wait (a replay, or the end of a capture).
 */
@Tag("hostile-input")
class AlertForwardingFlowRecordsTest {
    private static final int RECORDS = 20_000;

    @TempDir
    Path dir;

    private static CaptureEngine.StoredFlow flow(int i) {
        return new CaptureEngine.StoredFlow("1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1_700_000_000_000_000_000L + i,
                1_700_000_001_000_000_000L + i, 10, 1000, 10, true, 0, FlowEndReason.IDLE_TIMEOUT, java.util.List.of("alert"));
    }

    @Test
    void aBurstBeyondTheInboxIsSpooledOrCountedNeverWaitedFor() throws Exception {
        EventSpool spool = new EventSpool(dir.resolve("spool"));
        AlertForwarding forwarding = new AlertForwarding(spool, null, 8);
        try {
            for (int i = 0; i < RECORDS; i++) {
                forwarding.accept(flow(i)); // as the capture thread does: returns at once, room or not
            }
        } finally {
            forwarding.close(); // drains what waits
        }
        assertThat(spool.appended() + forwarding.unspooled()).as("spooled + unspooled").isEqualTo(RECORDS);
        assertThat(forwarding.unspooled()).as("8 may wait: a burst of 20,000 overflows").isPositive();
        spool.close();
    }

    @Test
    void onceRecordsMayWaitNoneIsLost() throws Exception {
        EventSpool spool = new EventSpool(dir.resolve("spool"));
        AlertForwarding forwarding = new AlertForwarding(spool, null, 8);
        try {
            forwarding.recordsMayWait();
            for (int i = 0; i < RECORDS; i++) {
                forwarding.accept(flow(i));
            }
        } finally {
            forwarding.close();
        }
        assertThat(spool.appended()).isEqualTo(RECORDS);
        assertThat(forwarding.unspooled()).isZero();
        spool.close();
    }
}
