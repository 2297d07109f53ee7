package io.flowtrap.manager.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureSummary;
import io.flowtrap.api.manager.FilterRequest;
import io.flowtrap.api.manager.MergeRequest;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultRef;
import io.flowtrap.api.manager.ResultsPage;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.pcap.PcapFilter;
import io.flowtrap.manager.pcap.PcapMerge;
import io.flowtrap.manager.searches.Searches;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Merges and filters of results, made at once on the request's thread: the inputs' pcaps (a
 * capture's, a search's, an earlier result's, or one probe's part) are merged by time ({@link
 * PcapMerge}, with duplicates dropped on request) or filtered by libpcap ({@link PcapFilter}) into
 * {@code <data-dir>/results/<id>/result.pcap}, the answer kept beside it in {@code result.json}
 * (written through a temporary file and a rename; read back at start, an unreadable one logged and
 * skipped). The newest {@code max-kept} are kept. Thread-safe.
 */
@Component
public class Results {
    private static final Logger log = LoggerFactory.getLogger(Results.class);

    private final Path dir;
    private final ObjectMapper json;
    private final ResultsProperties.Results settings;
    private final Captures captures;
    private final Searches searches;
    private final Map<String, ResultAnswer> results = new LinkedHashMap<>();

    public Results(ResultsProperties properties, Captures captures, Searches searches, ObjectMapper json) throws IOException {
        this.dir = Files.createDirectories(properties.dataDir().resolve("results"));
        this.settings = properties.results();
        this.captures = captures;
        this.searches = searches;
        this.json = json;
        List<ResultAnswer> kept = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path d : dirs) {
                Path file = d.resolve("result.json");
                if (Files.isRegularFile(file)) {
                    try {
                        kept.add(json.readValue(file.toFile(), ResultAnswer.class));
                    } catch (IOException e) {
                        log.warn("result {} is skipped: {} cannot be read: {}", d.getFileName(), file, e.getMessage());
                    }
                }
            }
        }
        kept.sort(Comparator.comparing(ResultAnswer::created));
        for (ResultAnswer r : kept) {
            results.put(r.id(), r);
        }
    }

    /** Merges the inputs by time (dropping duplicates when asked): 201's answer. */
    public ResultAnswer merge(MergeRequest request, String analyst) throws IOException {
        List<ResultRef> inputs = request.inputs();
        if (inputs == null || inputs.isEmpty()) {
            throw new DomainException(Kind.INVALID, "no inputs", "name the results to merge: \"inputs\": [{\"kind\", \"id\"}, ...]");
        }
        List<Path> files = new ArrayList<>();
        for (ResultRef ref : inputs) {
            files.add(pcap(ref));
        }
        boolean dedup = Boolean.TRUE.equals(request.dedup());
        long windowMicros = request.dedupWindowMicros() != null ? request.dedupWindowMicros() : settings.dedupWindow().toNanos() / 1000;
        String id = newId();
        Path out = Files.createDirectories(dir.resolve(id)).resolve("result.pcap");
        PcapMerge.Merged m = PcapMerge.merge(files, out, 0, dedup ? windowMicros * 1000 : PcapMerge.NO_DEDUP);
        long in = m == null ? 0 : m.read();
        ResultAnswer r = new ResultAnswer(id, "merge", analyst, Instant.now().toString(), List.copyOf(inputs), null, dedup,
                dedup ? windowMicros : null, in, m == null ? 0 : m.packets(), dedup ? (m == null ? 0 : m.duplicates()) : null,
                m == null || m.otherLinkType() == 0 ? null : m.otherLinkType(), m == null ? "no packets in the inputs" : null,
                m == null ? null : CaptureSummary.of(fileName(id), m.size(), m.packets(), m.bytes(), m.firstNanos(), m.lastNanos(),
                        m.sha256()),
                m == null ? null : downloadPath(id));
        keep(r);
        log.info("result {} by {}: merge of {} ({} packets in, {} out{})", id, analyst, inputs, in, r.packetsOut(),
                dedup ? ", " + r.duplicates() + " duplicates within " + windowMicros + " us dropped" : "");
        return r;
    }

    /** The packets of one result that a tcpdump filter keeps: 201's answer; a filter libpcap refuses is INVALID with its words. */
    public ResultAnswer filter(FilterRequest request, String analyst) throws IOException {
        if (request.input() == null) {
            throw new DomainException(Kind.INVALID, "no input", "name the result to filter: \"input\": {\"kind\", \"id\"}");
        }
        Path input = pcap(request.input());
        String id = newId();
        Path out = Files.createDirectories(dir.resolve(id)).resolve("result.pcap");
        PcapFilter.Filtered f;
        try {
            f = PcapFilter.filter(input, out, request.filter());
        } catch (PcapFilter.InvalidFilter e) {
            deleteFiles(id);
            throw new DomainException(Kind.INVALID, "invalid filter", e.getMessage(), e);
        }
        long read = f.read();
        boolean none = f.packets() == 0;
        ResultAnswer r = new ResultAnswer(id, "filter", analyst, Instant.now().toString(), List.of(request.input()),
                request.filter(), null, null, read, f.packets(), null, null, none ? "no packets matched" : null,
                none ? null : CaptureSummary.of(fileName(id), f.size(), f.packets(), f.bytes(), f.firstNanos(), f.lastNanos(),
                        f.sha256()),
                none ? null : downloadPath(id));
        keep(r);
        log.info("result {} by {}: filter '{}' of {} ({} packets in, {} out)", id, analyst, request.filter(), request.input(),
                read, r.packetsOut());
        return r;
    }

    public synchronized ResultsPage list() {
        List<ResultAnswer> all = new ArrayList<>(results.values());
        Collections.reverse(all);
        return new ResultsPage(all.size(), all);
    }

    public synchronized ResultAnswer get(String id) {
        ResultAnswer r = id == null ? null : results.get(id);
        if (r == null) {
            throw new DomainException(Kind.NOT_FOUND, "no such result", "no result " + id + " (deleted, or never made)");
        }
        return r;
    }

    public synchronized ResultAnswer delete(String id, String user) throws IOException {
        ResultAnswer r = get(id);
        deleteFiles(id);
        results.remove(id);
        log.info("result {} deleted by {}", id, user);
        return r;
    }

    /** A result's pcap to download, and its file name. */
    public record Download(Path file, String fileName) {}

    public synchronized Download download(String id) {
        ResultAnswer r = get(id);
        if (r.summary() == null) {
            throw new DomainException(Kind.NOT_FOUND, "no packets", "result " + id + " holds no packet: nothing to download");
        }
        return new Download(dir.resolve(id).resolve("result.pcap"), fileName(id));
    }

    /** The pcap an input names. */
    private Path pcap(ResultRef ref) {
        if (ref == null || ref.kind() == null || ref.id() == null) {
            throw new DomainException(Kind.INVALID, "bad input", "each input is {\"kind\": capture|search|result, \"id\"}");
        }
        return switch (ref.kind()) {
            case "capture" -> captures.download(ref.id(), ref.probe()).file();
            case "search" -> searches.download(ref.id(), ref.probe()).file();
            case "result" -> {
                if (ref.probe() != null) {
                    throw new DomainException(Kind.INVALID, "bad input", "a result has no probe parts");
                }
                yield download(ref.id()).file();
            }
            default -> throw new DomainException(Kind.INVALID, "bad input", "kind is capture, search or result, not " + ref.kind());
        };
    }

    private synchronized void keep(ResultAnswer r) throws IOException {
        Path d = Files.createDirectories(dir.resolve(r.id()));
        Path temp = d.resolve("result.json.tmp");
        json.writeValue(temp.toFile(), r);
        Files.move(temp, d.resolve("result.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        results.put(r.id(), r);
        while (results.size() > settings.maxKept()) {
            String oldest = results.keySet().iterator().next();
            deleteFiles(oldest);
            results.remove(oldest);
            log.info("result {} deleted: more than flowtrap.results.max-kept ({})", oldest, settings.maxKept());
        }
    }

    private void deleteFiles(String id) throws IOException {
        Path d = dir.resolve(id);
        if (!Files.isDirectory(d)) {
            return;
        }
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(d);
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String fileName(String id) {
        return "result-" + id + ".pcap";
    }

    private static String downloadPath(String id) {
        return "/rest/results/" + id + "/download/";
    }
}
