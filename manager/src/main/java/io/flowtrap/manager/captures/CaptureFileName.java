package io.flowtrap.manager.captures;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A capture's file name as the seed's {@code capture} script writes it, so a file says whose it
 * is, what it is and when it started: {@code grant_traffic.to.grantstavely.com_Tue.Feb17.2009-20.20.22.UTC_1234902022_.pcap}
 * (analyst, description with its spaces as dots, the UTC start, its epoch second). Only letters,
 * digits, dots and dashes are kept of the analyst and description.
 */
final class CaptureFileName {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("EEE.MMMdd.yyyy-HH.mm.ss", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final int MAX_TEXT = 80;

    private CaptureFileName() {}

    static String of(String analyst, String description, Instant started) {
        return clean(analyst, "analyst") + "_" + clean(description, "capture") + "_" + UTC.format(started) + ".UTC_"
                + started.getEpochSecond() + "_.pcap";
    }

    private static String clean(String text, String otherwise) {
        String s = text == null ? "" : text.strip().replaceAll("\\s+", ".").replaceAll("[^A-Za-z0-9.-]", "")
                .replaceAll("\\.{2,}", ".");
        s = s.replaceAll("^[.-]+|[.-]+$", "");
        if (s.length() > MAX_TEXT) {
            s = s.substring(0, MAX_TEXT);
        }
        return s.isEmpty() ? otherwise : s;
    }
}
