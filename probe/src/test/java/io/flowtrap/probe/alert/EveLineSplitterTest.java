package io.flowtrap.probe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EveLineSplitterTest {
    private final List<String> lines = new ArrayList<>();
    private final List<Long> overlong = new ArrayList<>();
    private final EveLineSplitter.Lines out = new EveLineSplitter.Lines() {
        @Override
        public void line(String line) {
            lines.add(line);
        }

        @Override
        public void overlong(long length) {
            overlong.add(length);
        }
    };

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anyCutOfTheStreamGivesTheSameLines() {
        String text = "{\"a\":1}\n{\"b\":\"é€😀\"}\r\n\n{\"c\":3}\nunterminated";
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            lines.clear();
            EveLineSplitter s = new EveLineSplitter(1000);
            int pos = 0;
            while (pos < all.length) {
                int n = Math.min(all.length - pos, 1 + random.nextInt(5));
                s.feed(ByteBuffer.wrap(all, pos, n), out);
                pos += n;
            }
            assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":\"é€😀\"}", "", "{\"c\":3}");
            assertThat(s.pendingBytes()).isEqualTo("unterminated".length());
        }
    }

    @Test
    void overlongLineIsReportedOnceAndTheNextLineSurvives() {
        EveLineSplitter s = new EveLineSplitter(10);
        s.feed(bytes("0123456789"), out);
        s.feed(bytes("abcdef"), out);
        s.feed(bytes("ghi\nok\n"), out);
        assertThat(overlong).containsExactly(19L);
        assertThat(lines).containsExactly("ok");
    }

    @Test
    void skipToNextLineDropsSilently() {
        EveLineSplitter s = new EveLineSplitter(100);
        s.skipToNextLine();
        s.feed(bytes("tail of a line\nwhole\n"), out);
        assertThat(lines).containsExactly("whole");
        assertThat(overlong).isEmpty();
    }

    @Test
    void resetForgetsThePartialLine() {
        EveLineSplitter s = new EveLineSplitter(100);
        s.feed(bytes("half"), out);
        s.reset();
        s.feed(bytes("new\n"), out);
        assertThat(lines).containsExactly("new");
    }
}
