package io.flowtrap.manager.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.extraction.ExtractionJobs;
import io.flowtrap.manager.extraction.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The pcap chain's results: kind {@code extraction}, id the job's (what {@code upload} answered as
 * {@code filename}). A job is one once its pcap was retrieved, and stays one, its pcap marked
 * expired (no file then), until the job's directory goes ({@code flowtrap.jobs.retention}, or a
 * delete): a pcap expired after {@code flowtrap.download-retention} or evicted for the cache quota
 * can be retrieved again, and its tags are still there. Named by the alert's signature and flow;
 * its analyst is who uploaded the alert.
 *
 * <p>What it read of a job ({@code job.json}, and {@code alert.json} once retrieved) is kept, by
 * job id, until the job's own events say it changed ({@link ExtractionJobs.JobChanged}) or went
 * ({@link ExtractionJobs.JobDeleted}): a list reads only the job area's directory then, and each
 * pcap's existence. A read and a forgetting of one job are serialised (one map entry), and the
 * jobs write before they tell: what is kept is never older than the last event. Thread-safe.
 */
@Component
class ExtractionResults implements ResultSource {
    static final String KIND = "extraction";

    private final ExtractionJobs jobs;
    private final ObjectMapper json;
    /** What was read of each job since its last change; a job without {@code job.json} is not kept. */
    private final ConcurrentHashMap<String, Read> reads = new ConcurrentHashMap<>();

    /** One job as read: its state, and its alert's facts once its pcap was retrieved (null before). */
    private record Read(Job job, ResultAnswer.Alert facts) {}

    ExtractionResults(ExtractionJobs jobs, ObjectMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    @Override
    public Set<String> kinds() {
        return Set.of(KIND);
    }

    @Override
    public Result find(String kind, String id) {
        Read read = read(id);
        if (read == null || read.facts() == null) {
            throw new DomainException(Kind.NOT_FOUND, "no such result", "no extraction " + id
                    + " with a retrieved pcap (upload, extract_pcap and retrieve it under /rest/rules/filestore_pcap/ first)");
        }
        Job job = read.job();
        Path pcap = jobs.pcap(id);
        String gone = null;
        if (job.expired() != null) {
            pcap = null;
            gone = "its pcap expired at " + job.expired() + " (flowtrap.download-retention, or evicted for"
                    + " flowtrap.jobs.cache-quota): retrieve it again through the pcap chain";
        } else if (!Files.isRegularFile(pcap)) {
            throw new DomainException(Kind.GONE, "result gone", "the pcap of extraction " + id + " is gone");
        }
        ResultAnswer.Alert facts = read.facts();
        Job.Carve carve = job.carve();
        return new Result(KIND, id, name(facts), job.askedBy(), job.retrieved().at().toString(), List.of(carve.host()), pcap,
                id + ".pcap", job.retrieved().size(), carve.packets(), carve.bytes(), job.retrieved().sha256(), List.of(), null,
                facts, job.expired() == null ? null : job.expired().toString(), gone);
    }

    @Override
    public List<Result> all() {
        List<Result> all = new ArrayList<>();
        List<String> ids = jobIds();
        reads.keySet().retainAll(new HashSet<>(ids)); // a job directory removed by hand (no event) is forgotten too
        for (String id : ids) {
            Sources.addUnlessGone(all, () -> find(KIND, id));
        }
        return all;
    }

    @EventListener
    void jobChanged(ExtractionJobs.JobChanged e) {
        reads.remove(e.id());
    }

    @EventListener
    void jobDeleted(ExtractionJobs.JobDeleted e) {
        reads.remove(e.id());
    }

    /** Job {@code id} as last read, or read now (null: no such job). */
    private Read read(String id) {
        try {
            return reads.computeIfAbsent(id, this::readNow);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                throw new DomainException(Kind.NOT_FOUND, "no such result", "extraction " + id + " was deleted", e.getCause());
            }
            throw new DomainException(Kind.INTERNAL, "job unreadable", "extraction " + id + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    private Read readNow(String id) {
        try {
            Optional<Job> found = jobs.find(id);
            if (found.isEmpty()) {
                return null;
            }
            Job job = found.get();
            boolean retrieved = job.retrieved() != null && job.carve() != null;
            return new Read(job, retrieved ? facts(json.readTree(jobs.alert(id))) : null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> jobIds() {
        try {
            return jobs.ids();
        } catch (IOException e) {
            throw new DomainException(Kind.INTERNAL, "jobs unreadable", e.getMessage(), e);
        }
    }

    /** What identifies the alert: signature, time, flow; whether the probe held its flow whole, when the alert said. */
    private static ResultAnswer.Alert facts(JsonNode a) {
        JsonNode from = a.path("capture").path("from_flow_start");
        return new ResultAnswer.Alert(text(a.path("alert").path("signature")), number(a.path("alert").path("signature_id")),
                text(a.path("timestamp")), number(a.path("flow_id")), text(a.path("community_id")), text(a.path("src_ip")),
                port(a.path("src_port")), text(a.path("dest_ip")), port(a.path("dest_port")), text(a.path("proto")),
                from.isBoolean() ? from.asBoolean() : null);
    }

    /** {@code <signature>: <src>:<port> → <dest>:<port> <proto>}. */
    private static String name(ResultAnswer.Alert a) {
        String flow = endpoint(a.srcIp(), a.srcPort()) + " → " + endpoint(a.destIp(), a.destPort())
                + (a.proto() == null ? "" : " " + a.proto());
        return (a.signature() == null ? "alert" : a.signature()) + ": " + flow;
    }

    private static String endpoint(String ip, Integer port) {
        String host = ip == null ? "?" : ip.contains(":") ? "[" + ip + "]" : ip;
        return port == null ? host : host + ":" + port;
    }

    private static String text(JsonNode n) {
        return n.isValueNode() && !n.isNull() ? n.asText() : null;
    }

    private static Long number(JsonNode n) {
        return n.isIntegralNumber() ? n.asLong() : null;
    }

    private static Integer port(JsonNode n) {
        return n.isIntegralNumber() ? n.asInt() : null;
    }
}
