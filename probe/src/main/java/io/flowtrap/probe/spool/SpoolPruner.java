package io.flowtrap.probe.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the spool from growing without end: once delivery has reached a roll cycle (a day's file
 * by default), the files of earlier cycles hold nothing undelivered and are deleted. Cycle files
 * are named by their start time in the roll cycle's zero-padded format, so name order is time
 * order. Used by the shipper's thread only.
 */
final class SpoolPruner {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolPruner.class);
    static final String SUFFIX = ".cq4";

    private final SingleChronicleQueue queue;
    private final DateTimeFormatter names;
    private int prunedBelow = Integer.MIN_VALUE;

    SpoolPruner(SingleChronicleQueue queue) {
        this.queue = queue;
        this.names = DateTimeFormatter.ofPattern(queue.rollCycle().format()).withZone(ZoneOffset.UTC);
    }

    /** Deletes the files of the cycles before the one holding {@code deliveredIndex}; how many went. */
    int pruneBefore(long deliveredIndex) {
        RollCycle rollCycle = queue.rollCycle();
        int cycle = rollCycle.toCycle(deliveredIndex);
        if (cycle <= prunedBelow) {
            return 0;
        }
        String keepFrom = fileName(cycle);
        int deleted = 0;
        try (Stream<Path> files = Files.list(queue.file().toPath())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(SUFFIX) && name.length() == keepFrom.length() && name.compareTo(keepFrom) < 0) {
                    Files.deleteIfExists(f);
                    deleted++;
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot prune the spool in {}: {}", queue.file(), e.toString());
            return deleted;
        }
        if (deleted > 0) {
            queue.refreshDirectoryListing();
            LOG.info("spool: {} delivered cycle file(s) before {} deleted", deleted, keepFrom);
        }
        prunedBelow = cycle;
        return deleted;
    }

    /** The file of a cycle, e.g. {@code 20261129F.cq4} for a fast daily cycle. */
    String fileName(int cycle) {
        long startMillis = (long) cycle * queue.rollCycle().lengthInMillis() + queue.epoch();
        return names.format(Instant.ofEpochMilli(startMillis)) + SUFFIX;
    }
}
