package io.flowtrap.manager.syslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.manager.syslog.SyslogMessage.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SyslogMessageTest {
    /** RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG], one SD-ELEMENT, values escaped as §6.3.3 says. */
    static final Pattern RFC5424 = Pattern.compile("<(\\d{1,3})>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,6})?Z)"
            + " ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) \\[([^ =\\]\"]{1,32})((?: [^ =\\]\"]{1,32}=\"(?:\\\\[\"\\\\\\]]|[^\"\\\\\\]])*\")*)\\]"
            + "(?: (.*))?", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile(" ([^ =\\]\"]{1,32})=\"((?:\\\\[\"\\\\\\]]|[^\"\\\\\\]])*)\"");
    private static final Instant TIME = Instant.parse("2026-12-01T16:24:41.123456789Z");

    private static SyslogMessage message(Map<String, ?> params, String text, int max) {
        return SyslogMessage.format(4, Severity.NOTICE, TIME, "sensor-1.example", "flowtrap-manager", 4242, "capture.start",
                "flowtrap@32473", params, text, max);
    }

    private static Matcher parse(SyslogMessage m) {
        Matcher matcher = RFC5424.matcher(new String(m.bytes(), StandardCharsets.UTF_8));
        assertThat(matcher.matches()).as("RFC 5424 syntax: %s", m).isTrue();
        return matcher;
    }

    private static Map<String, String> params(Matcher m) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher p = PARAM.matcher(m.group(8));
        while (p.find()) {
            out.put(p.group(1), p.group(2).replaceAll("\\\\([\"\\\\\\]])", "$1"));
        }
        return out;
    }

    @Test
    void theHeaderAndTheEventsFieldsFollowRfc5424() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("user", "alice");
        fields.put("filter", "host 10.0.0.1 and not port 22");
        fields.put("packets", 100);
        fields.put("sha256", null); // left out
        Matcher m = parse(message(fields, "capture started by alice", 2048));

        assertThat(Integer.parseInt(m.group(1))).isEqualTo(4 * 8 + 5); // auth.notice
        assertThat(m.group(2)).isEqualTo("2026-12-01T16:24:41.123456Z"); // microseconds at most (§6.2.3)
        assertThat(m.group(3)).isEqualTo("sensor-1.example");
        assertThat(m.group(4)).isEqualTo("flowtrap-manager");
        assertThat(m.group(5)).isEqualTo("4242");
        assertThat(m.group(6)).isEqualTo("capture.start");
        assertThat(m.group(7)).isEqualTo("flowtrap@32473");
        assertThat(params(m)).containsExactly(Map.entry("user", "alice"), Map.entry("filter", "host 10.0.0.1 and not port 22"),
                Map.entry("packets", "100"));
        assertThat(m.group(9)).isEqualTo("capture started by alice");
    }

    @Test
    void quotesBackslashesAndBracketsInValuesAreEscapedAndReadBackExactly() {
        String hostile = "d\"esc] \\ [x=\"y\"] é😀";
        SyslogMessage message = message(Map.of("description", hostile), null, 2048);
        Matcher m = parse(message);
        assertThat(params(m)).containsExactly(Map.entry("description", hostile));
        assertThat(m.group(9)).isNull(); // no text: the message ends with the SD
        assertThat(message.toString()).contains("d\\\"esc\\] \\\\ [x=\\\"y\\\"\\]");
    }

    @Test
    void headerFieldsAreStrippedToPrintableAsciiAndCutToTheirLengthsNilWhenEmpty() {
        SyslogMessage m = SyslogMessage.format(16, Severity.INFO, TIME, null, "flow trap\nmanager", 1,
                "x".repeat(40), "flowtrap@32473", Map.of(), "", 2048);
        Matcher parsed = parse(m);
        assertThat(parsed.group(1)).isEqualTo(String.valueOf(16 * 8 + 6));
        assertThat(parsed.group(3)).isEqualTo("-");
        assertThat(parsed.group(4)).isEqualTo("flowtrapmanager");
        assertThat(parsed.group(6)).hasSize(32);
    }

    @Test
    void anOversizeMessageLosesItsTextFirstOnACharacterBoundary() {
        SyslogMessage m = message(Map.of("user", "alice"), "é".repeat(1000), 480);
        assertThat(m.truncated()).isTrue();
        assertThat(m.bytes()).hasSizeLessThanOrEqualTo(480);
        Matcher parsed = parse(m);
        assertThat(params(parsed)).containsExactly(Map.entry("user", "alice"));
        assertThat(parsed.group(9)).endsWith("...").startsWith("ééé");
        assertThat(new String(m.bytes(), StandardCharsets.UTF_8)).doesNotContain("\uFFFD"); // no character split
    }

    @Test
    void thenTheLongestValuesLoseTheirTailsButTheStructureStays() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("user", "bob");
        fields.put("filter", "host 10.0.0." + "1 or host 10.0.0.".repeat(100) + "2");
        SyslogMessage m = message(fields, "text", 600);
        assertThat(m.truncated()).isTrue();
        assertThat(m.bytes()).hasSizeLessThanOrEqualTo(600);
        Matcher parsed = parse(m);
        assertThat(params(parsed)).containsEntry("user", "bob");
        assertThat(params(parsed).get("filter")).startsWith("host 10.0.0.1 or").endsWith("...");
        assertThat(parsed.group(9)).isNull();
    }

    @Test
    void whatCannotBeMadeValidIsRefused() {
        assertThatThrownBy(() -> SyslogMessage.format(24, Severity.INFO, TIME, "h", "a", 1, "m", "flowtrap@32473",
                Map.of(), "", 2048)).hasMessageContaining("facility must be 0..23");
        assertThatThrownBy(() -> message(Map.of("=\"]", "v"), "", 2048)).hasMessageContaining("parameter name");
    }
}
