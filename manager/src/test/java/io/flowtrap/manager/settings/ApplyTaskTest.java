package io.flowtrap.manager.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A task goes scheduled → running → finished, or back to scheduled for a retry; nothing else. */
class ApplyTaskTest {
    @Test
    void aTaskRunsIsRetriedAndFinishes() {
        ApplyTask t = ApplyTask.scheduled("sensor-1", "bob", Map.of("store.max_size", "1GB"));
        assertThat(t.state()).isEqualTo(ApplyTask.SCHEDULED);
        assertThat(t.result()).isEqualTo(ApplyTask.NONE);
        assertThat(t.inFlight()).isTrue();
        assertThat(t.durationMs()).isZero();
        ApplyTask running = t.running();
        assertThat(running.startedMs()).isPositive();
        ApplyTask retry = running.retryAt(running.startedMs() + 500, "cannot connect");
        assertThat(retry.state()).isEqualTo(ApplyTask.SCHEDULED);
        assertThat(retry.result()).isEqualTo(ApplyTask.UNREACHABLE);
        assertThat(retry.retries()).isEqualTo(1);
        assertThat(retry.error()).isEqualTo("cannot connect");
        ApplyTask again = retry.running();
        assertThat(again.startedMs()).as("the first try's start stays").isEqualTo(running.startedMs());
        ApplyTask done = again.finished(ApplyTask.SUCCESS, "", "store.max_size 2GB -> 1GB (now)", 4);
        assertThat(done.inFlight()).isFalse();
        assertThat(done.version()).isEqualTo(4);
        assertThat(done.retries()).isEqualTo(1);
        assertThat(done.durationMs()).isEqualTo(done.finishedMs() - done.startedMs());
    }

    @Test
    void illegalTransitionsThrow() {
        ApplyTask t = ApplyTask.scheduled("sensor-1", "bob", Map.of());
        assertThatThrownBy(() -> t.finished(ApplyTask.SUCCESS, "", "", 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not running");
        assertThatThrownBy(() -> t.retryAt(0, "x")).isInstanceOf(IllegalStateException.class);
        ApplyTask done = t.running().finished(ApplyTask.FAILED, "invalid capture filter", "", 0);
        assertThatThrownBy(done::running).isInstanceOf(IllegalStateException.class).hasMessageContaining("finished");
        assertThatThrownBy(() -> done.abandoned("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTaskLeftInFlightByAStoppedManagerFinishesAsFailedSayingSo() {
        ApplyTask left = ApplyTask.scheduled("sensor-1", "bob", Map.of()).running();
        ApplyTask closed = left.abandoned("the manager stopped");
        assertThat(closed.state()).isEqualTo(ApplyTask.FINISHED);
        assertThat(closed.result()).isEqualTo(ApplyTask.FAILED);
        assertThat(closed.error()).isEqualTo("the manager stopped");
        assertThat(closed.inFlight()).isFalse();
    }
}
