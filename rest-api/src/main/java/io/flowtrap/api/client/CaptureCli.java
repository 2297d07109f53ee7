package io.flowtrap.api.client;

import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.api.manager.CapturesPage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code flowtrap capture}: the analyst's command for the manager's captures, in the spirit of the
 * seed's {@code capture} script, over the REST API ({@code FLOWTRAP_URL}, {@code FLOWTRAP_TOKEN},
 * {@code FLOWTRAP_CA}):
 * <pre>
 *   flowtrap capture -a ANALYST -d 'description' -e 'EXPRESSION' [--probe P ...] [--duration S] [--count N] [--tag T ...] [--queue]
 *   flowtrap capture -l [-f ANALYST] [-v]          list (all, or one analyst's; -v: every detail)
 *   flowtrap capture -s ID [-v]                    stop, and print the summary
 *   flowtrap capture -g ID [-o FILE]               download the result (default: its file name)
 * </pre>
 * Short flags combine as in the seed ({@code -lv}, {@code -lf grant}, {@code -sv ID}). Exit 0 done,
 * 1 the manager refused (its error and detail on stderr), 2 bad usage, 3 no packets matched.
 */
public final class CaptureCli {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int NO_PACKETS = 3;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss yyyy", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    static final String USAGE_TEXT = """
            usage: flowtrap capture -a ANALYST -d 'description' -e 'EXPRESSION' [--probe P ...] [--duration SECONDS] [--count N]
                                    [--tag T ...] [--queue]
                   flowtrap capture -l [-f ANALYST] [-v]
                   flowtrap capture -s ID [-v]
                   flowtrap capture -g ID [-o FILE]
            environment: FLOWTRAP_URL (https://manager:8443), FLOWTRAP_TOKEN (an API key), FLOWTRAP_CA (the CA's PEM; optional)
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    CaptureCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (!a.isEmpty() && a.get(0).equals("capture")) {
            a.remove(0);
        }
        System.exit(new CaptureCli(System.out, System.err, System.getenv()).run(a));
    }

    /** What the command line asks, flags split ({@code -lv} → l, v). */
    private static final class Args {
        String analyst;
        String description;
        String expression;
        String filterAnalyst;
        String stop;
        String get;
        String output;
        boolean list;
        boolean verbose;
        boolean queue;
        Long duration;
        Long count;
        final List<String> probes = new ArrayList<>();
        final List<String> tags = new ArrayList<>();
    }

    int run(List<String> argv) {
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("flowtrap capture: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        if (a == null) {
            out.print(USAGE_TEXT);
            return OK;
        }
        String url = env.get("FLOWTRAP_URL");
        String token = env.get("FLOWTRAP_TOKEN");
        if (url == null || url.isBlank() || token == null || token.isBlank()) {
            err.println("flowtrap capture: set FLOWTRAP_URL and FLOWTRAP_TOKEN (and FLOWTRAP_CA for a private CA)");
            return USAGE;
        }
        String ca = env.get("FLOWTRAP_CA");
        try {
            FlowtrapClient manager = new FlowtrapClient(URI.create(url), token.strip(), ca == null || ca.isBlank() ? null : Path.of(ca));
            if (a.list) {
                return list(manager, a);
            }
            if (a.stop != null) {
                return stop(manager, a);
            }
            if (a.get != null) {
                return download(manager, a);
            }
            return start(manager, a);
        } catch (FlowtrapApiException e) {
            err.println("flowtrap capture: " + e.getMessage());
            return REFUSED;
        } catch (IOException | IllegalArgumentException e) {
            err.println("flowtrap capture: " + e.getMessage());
            return REFUSED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return REFUSED;
        }
    }

    private static Args parse(List<String> argv) {
        Args a = new Args();
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("say what to do: -a/-d/-e to start, -l to list, -s to stop");
        }
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.startsWith("--")) {
                switch (arg) {
                    case "--probe" -> a.probes.add(value(argv, ++i, arg));
                    case "--tag" -> a.tags.add(value(argv, ++i, arg));
                    case "--duration" -> a.duration = number(value(argv, ++i, arg), arg);
                    case "--count" -> a.count = number(value(argv, ++i, arg), arg);
                    case "--queue" -> a.queue = true;
                    case "--help" -> {
                        return null;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
                continue;
            }
            if (!arg.startsWith("-") || arg.length() < 2) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            for (int k = 1; k < arg.length(); k++) {
                char flag = arg.charAt(k);
                switch (flag) {
                    case 'l' -> a.list = true;
                    case 'v' -> a.verbose = true;
                    case 'h', '?' -> {
                        return null;
                    }
                    case 'a', 'd', 'e', 'f', 's', 'g', 'o' -> {
                        String v = k + 1 < arg.length() ? arg.substring(k + 1) : value(argv, ++i, "-" + flag);
                        if (k + 1 < arg.length() && (flag == 's' || flag == 'g') && v.matches("v+")) {
                            // -sv ID: not a glued value (an id is 12 characters) but -v, the id next
                            a.verbose = true;
                            v = value(argv, ++i, "-" + flag);
                        }
                        switch (flag) {
                            case 'a' -> a.analyst = v;
                            case 'd' -> a.description = v;
                            case 'e' -> a.expression = v;
                            case 'f' -> a.filterAnalyst = v;
                            case 's' -> a.stop = v;
                            case 'g' -> a.get = v;
                            default -> a.output = v;
                        }
                        k = arg.length();
                    }
                    default -> throw new IllegalArgumentException("unknown flag -" + flag);
                }
            }
        }
        int actions = (a.list ? 1 : 0) + (a.stop != null ? 1 : 0) + (a.get != null ? 1 : 0)
                + (a.expression != null || a.analyst != null || a.description != null ? 1 : 0);
        if (actions != 1) {
            throw new IllegalArgumentException("one of: start (-a -d -e), list (-l), stop (-s ID), download (-g ID)");
        }
        if (!a.list && a.stop == null && a.get == null && (a.analyst == null || a.description == null || a.expression == null)) {
            throw new IllegalArgumentException("a capture needs -a ANALYST, -d 'description' and -e 'expression'");
        }
        return a;
    }

    private static String value(List<String> argv, int i, String flag) {
        if (i >= argv.size()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return argv.get(i);
    }

    private static long number(String s, String flag) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a whole number, not '" + s + "'");
        }
    }

    private int start(FlowtrapClient manager, Args a) throws IOException, InterruptedException {
        CaptureAnswer c = manager.startCapture(new CaptureRequest(a.description, a.description, a.expression,
                a.probes.isEmpty() ? null : a.probes, a.duration, a.count, a.tags.isEmpty() ? null : a.tags,
                a.queue ? Boolean.TRUE : null, a.analyst));
        out.println((c.state().equals("queued") ? "Queued: " : "Started: ") + c.fileName());
        out.println("Capture " + c.id() + " on " + String.join(", ", c.probes()) + ": ends after " + c.durationSeconds() + " s"
                + (c.maxPackets() > 0 ? " or " + c.maxPackets() + " packets" : "") + "; stop it with: flowtrap capture -s " + c.id());
        return OK;
    }

    private int list(FlowtrapClient manager, Args a) throws IOException, InterruptedException {
        CapturesPage page = manager.captures(a.filterAnalyst, null);
        for (CaptureAnswer c : page.results()) {
            if (a.verbose) {
                details(c);
                out.println();
            } else {
                out.println(c.analyst() + " " + when(c.started() != null ? c.started() : c.created()) + " "
                        + (c.description() != null ? c.description() : c.name()) + " [" + c.id() + " " + c.state() + "]");
            }
        }
        return OK;
    }

    private int stop(FlowtrapClient manager, Args a) throws IOException, InterruptedException {
        CaptureAnswer c = manager.stopCapture(a.stop);
        if (a.verbose) {
            details(c);
            out.println();
        }
        out.println("Stopped: " + c.fileName());
        if (c.summary() != null) {
            summary(c.summary());
            return OK;
        }
        out.println(c.message() != null ? c.message() : "capture " + c.id() + " is " + c.state());
        return "failed".equals(c.state()) ? REFUSED : c.state().equals("done") ? NO_PACKETS : OK;
    }

    private int download(FlowtrapClient manager, Args a) throws IOException, InterruptedException {
        CaptureAnswer c = manager.capture(a.get);
        Path target = Path.of(a.output != null ? a.output : c.fileName());
        Path temp = target.resolveSibling(target.getFileName() + ".part");
        long bytes;
        try (OutputStream file = Files.newOutputStream(temp)) {
            bytes = manager.downloadCapture(a.get, null, file);
        } catch (IOException | InterruptedException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        out.println("Saved: " + target + " (" + bytes + " bytes" + (c.summary() != null ? ", sha256 " + c.summary().sha256() : "")
                + ")");
        return OK;
    }

    private void details(CaptureAnswer c) {
        out.println("Analyst: " + c.analyst());
        out.println("Capture: " + c.id() + " (" + c.state() + (c.endReason() != null ? ", ended by " + c.endReason() : "") + ")");
        out.println("Started: " + when(c.started() != null ? c.started() : c.created()));
        if (c.ended() != null) {
            out.println("Ended: " + when(c.ended()));
        }
        out.println("Description: " + (c.description() != null ? c.description() : c.name()));
        out.println("Expression: " + c.filter());
        out.println("Probes: " + String.join(", ", c.probes()));
        if (c.packetsSeen() != null) {
            out.println("Packets so far: " + c.packetsSeen() + (c.maxPackets() > 0 ? " of " + c.maxPackets() : ""));
        }
        if (c.summary() != null) {
            out.println("Size (bytes): " + c.summary().fileSize());
        }
        if (c.message() != null) {
            out.println("Note: " + c.message());
        }
        if (c.deleted() != null) {
            out.println("Deleted: " + c.deleted().at() + " (" + c.deleted().reason() + ")");
        }
        out.println("Capture File: " + c.fileName());
    }

    private void summary(CaptureSummary s) {
        out.println("Capture file info:");
        out.println("File name: " + s.fileName());
        out.println("File type: Wireshark/tcpdump/... - nanosecond libpcap");
        out.println("Number of packets: " + s.packets());
        out.println("File size: " + s.fileSize() + " bytes");
        out.println("Data size: " + s.dataSize() + " bytes");
        out.printf(Locale.ROOT, "Capture duration: %.6f seconds%n", s.durationSeconds());
        out.println("Start time: " + when(s.firstTs()) + " (" + s.firstTs() + ")");
        out.println("End time: " + when(s.lastTs()) + " (" + s.lastTs() + ")");
        out.printf(Locale.ROOT, "Data rate: %.2f bytes/s%n", s.dataRateBytesPerSecond());
        out.printf(Locale.ROOT, "Data rate: %.2f bits/s%n", s.dataRateBitsPerSecond());
        out.printf(Locale.ROOT, "Average packet size: %.2f bytes%n", s.averagePacketSize());
        out.println("SHA256: " + s.sha256());
    }

    private static String when(String instant) {
        return instant == null ? "-" : WHEN.format(Instant.parse(instant)) + " UTC";
    }
}
