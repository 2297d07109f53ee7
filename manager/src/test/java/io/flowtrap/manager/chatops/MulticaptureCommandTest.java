package io.flowtrap.manager.chatops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.manager.errors.DomainException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's chat command: its examples, its defaults, and what is refused with the usage. */
class MulticaptureCommandTest {

    @Test
    void theSeedsExampleTakesTheDefaultMaximums() {
        MulticaptureCommand c = MulticaptureCommand.parse("multicapture 'port 179' on switches slx1,slx2");
        assertThat(c).isEqualTo(new MulticaptureCommand("port 179", List.of("slx1", "slx2"), 300, 100));
    }

    @Test
    void timeoutAndCountInAnyOrderAndDoubleQuotes() {
        assertThat(MulticaptureCommand.parse("  multicapture \"tcp and host 10.0.0.1\" on probes p1 count=20 timeout=30 "))
                .isEqualTo(new MulticaptureCommand("tcp and host 10.0.0.1", List.of("p1"), 30, 20));
        assertThat(MulticaptureCommand.parse("MultiCapture 'udp' on probes a,b,a timeout=5"))
                .isEqualTo(new MulticaptureCommand("udp", List.of("a", "b"), 5, 100));
    }

    @Test
    void whatIsNotTheCommandIsRefusedWithTheUsage() {
        for (String bad : List.of("", "capture 'port 1' on probes p1", "multicapture port 179 on probes p1",
                "multicapture '' on probes p1", "multicapture 'port 1' on probes", "multicapture 'port 1' on probes p1 timeout=0",
                "multicapture 'port 1' on probes p1 count=lots", "multicapture 'port 1' on probes p1 size=3",
                "multicapture 'port 1' on probes p1;rm")) {
            assertThatThrownBy(() -> MulticaptureCommand.parse(bad)).as(bad).isInstanceOf(DomainException.class)
                    .hasMessage("invalid command").satisfies(e -> assertThat(((DomainException) e).detail())
                            .contains(MulticaptureCommand.USAGE));
        }
    }
}
