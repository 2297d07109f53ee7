package io.flowtrap.manager.chatops;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat command of seed 001: {@code multicapture '<filter>' on probes p1,p2 [timeout=S]
 * [count=N]} (the filter in single or double quotes; {@code switches} taken for {@code probes};
 * the options in any order). Without them: 300 s and 100 packets, the seed's maximums.
 */
record MulticaptureCommand(String filter, List<String> probes, long timeoutSeconds, long count) {
    static final long DEFAULT_TIMEOUT = 300;
    static final long DEFAULT_COUNT = 100;
    static final String USAGE = "usage: multicapture '<filter>' on probes p1,p2 [timeout=S] [count=N]";
    private static final Pattern COMMAND = Pattern.compile(
            "\\s*multicapture\\s+(?:'([^']*)'|\"([^\"]*)\")\\s+on\\s+(?:probes|switches)\\s+([^\\s]+)((?:\\s+\\w+=\\S*)*)\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern OPTION = Pattern.compile("(\\w+)=(\\S*)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    MulticaptureCommand {
        probes = List.copyOf(probes);
    }

    /** The command in {@code text}; INVALID with the usage and what is wrong otherwise. */
    static MulticaptureCommand parse(String text) {
        Matcher m = COMMAND.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw invalid("not understood: '" + (text == null ? "" : text.strip()) + "'");
        }
        String filter = (m.group(1) != null ? m.group(1) : m.group(2)).strip();
        if (filter.isEmpty()) {
            throw invalid("the filter is empty");
        }
        LinkedHashSet<String> probes = new LinkedHashSet<>();
        for (String p : m.group(3).split(",")) {
            if (!p.isBlank()) {
                if (!NAME.matcher(p.strip()).matches()) {
                    throw invalid("'" + p + "' is not a probe name");
                }
                probes.add(p.strip());
            }
        }
        if (probes.isEmpty()) {
            throw invalid("no probe named");
        }
        long timeout = DEFAULT_TIMEOUT;
        long count = DEFAULT_COUNT;
        Matcher o = OPTION.matcher(m.group(4));
        while (o.find()) {
            long value = number(o.group(1), o.group(2));
            switch (o.group(1).toLowerCase(java.util.Locale.ROOT)) {
                case "timeout" -> timeout = value;
                case "count" -> count = value;
                default -> throw invalid("unknown option '" + o.group(1) + "' (timeout=S, count=N)");
            }
        }
        return new MulticaptureCommand(filter, new ArrayList<>(probes), timeout, count);
    }

    private static long number(String option, String value) {
        try {
            long n = Long.parseLong(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw invalid(option + "=" + value + ": a whole number of at least 1 expected");
    }

    private static DomainException invalid(String why) {
        return new DomainException(Kind.INVALID, "invalid command", why + "; " + USAGE);
    }
}
