package io.flowtrap.manager.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NdjsonLinesTest {
    /** Gives at most {@code step} bytes a read, so lines cross the reader's chunks anywhere. */
    private static InputStream trickling(byte[] bytes, int step) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static List<String> all(NdjsonLines lines) throws IOException {
        List<String> out = new ArrayList<>();
        String line;
        while ((line = lines.next()) != null) {
            out.add(lines.lastOversized() ? "<oversized>" : line);
        }
        return out;
    }

    @Test
    void linesComeOutWholeHoweverTheBytesArriveAndAnOverlongOneIsSkippedToItsEnd() throws IOException {
        // the bound counts a line's bytes before its newline, a CR of CRLF included: 99 x + CR fit in 100, 101 z do not
        String body = "{\"a\":1}\n\n" + "x".repeat(99) + "\r\n{\"é\":2}\r\n" + "y".repeat(200_000) + "\n" + "z".repeat(101)
                + "\nlast";
        for (int step : new int[] {1, 7, 64 * 1024, Integer.MAX_VALUE}) {
            NdjsonLines lines = new NdjsonLines(trickling(body.getBytes(StandardCharsets.UTF_8), step), 100, 1 << 20);
            assertThat(all(lines)).as("step %d", step)
                    .containsExactly("{\"a\":1}", "", "x".repeat(99), "{\"é\":2}", "<oversized>", "<oversized>", "last");
        }
    }

    @Test
    void aBodyPastItsBoundIsRefusedOnceItPassesIt() {
        byte[] body = "{}\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        NdjsonLines lines = new NdjsonLines(new ByteArrayInputStream(body), 100, 2999);
        assertThatThrownBy(() -> all(lines)).isInstanceOf(NdjsonLines.BodyTooLarge.class)
                .hasMessage("the body is larger than 2999 bytes");
        assertThat(new NdjsonLines(new ByteArrayInputStream(body), 100, 3000)).satisfies(l -> assertThat(all(l)).hasSize(1000));
    }

    @Test
    void anEmptyBodyHasNoLines() throws IOException {
        assertThat(all(new NdjsonLines(new ByteArrayInputStream(new byte[0]), 10, 10))).isEmpty();
        assertThat(all(new NdjsonLines(new ByteArrayInputStream("\n".getBytes(StandardCharsets.UTF_8)), 10, 10)))
                .containsExactly("");
    }
}
