package io.flowtrap.manager.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.extraction.ExtractionJobs;
import io.flowtrap.manager.extraction.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The pcap chain's results: kind {@code extraction}, id the job's (what {@code upload} answered as
 * {@code filename}). A job is one once its pcap was retrieved, and stays one, its pcap marked
 * expired (no file then), until the job's directory goes ({@code flowtrap.jobs.retention}, or a
 * delete): a pcap expired after {@code flowtrap.download-retention} or evicted for the cache quota
 * can be retrieved again, and its tags are still there. Named by the alert's signature and flow;
 * its analyst is who uploaded the alert.
 */
@Component
class ExtractionResults implements ResultSource {
    static final String KIND = "extraction";

    private final ExtractionJobs jobs;
    private final ObjectMapper json;

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
        Job job;
        JsonNode alert;
        try {
            Optional<Job> found = jobs.find(id);
            if (found.isEmpty() || found.get().retrieved() == null || found.get().carve() == null) {
                throw new DomainException(Kind.NOT_FOUND, "no such result", "no extraction " + id
                        + " with a retrieved pcap (upload, extract_pcap and retrieve it under /rest/rules/filestore_pcap/ first)");
            }
            job = found.get();
            alert = json.readTree(jobs.alert(id));
        } catch (NoSuchFileException e) {
            throw new DomainException(Kind.NOT_FOUND, "no such result", "extraction " + id + " was deleted", e);
        } catch (IOException e) {
            throw new DomainException(Kind.INTERNAL, "job unreadable", "extraction " + id + ": " + e.getMessage(), e);
        }
        Path pcap = jobs.pcap(id);
        String gone = null;
        if (job.expired() != null) {
            pcap = null;
            gone = "its pcap expired at " + job.expired() + " (flowtrap.download-retention, or evicted for"
                    + " flowtrap.jobs.cache-quota): retrieve it again through the pcap chain";
        } else if (!Files.isRegularFile(pcap)) {
            throw new DomainException(Kind.GONE, "result gone", "the pcap of extraction " + id + " is gone");
        }
        ResultAnswer.Alert facts = facts(alert);
        Job.Carve carve = job.carve();
        return new Result(KIND, id, name(facts), job.askedBy(), job.retrieved().at().toString(), List.of(carve.host()), pcap,
                id + ".pcap", job.retrieved().size(), carve.packets(), carve.bytes(), job.retrieved().sha256(), List.of(), null,
                facts, job.expired() == null ? null : job.expired().toString(), gone);
    }

    @Override
    public List<Result> all() {
        List<Result> all = new ArrayList<>();
        for (String id : jobIds()) {
            Sources.addUnlessGone(all, () -> find(KIND, id));
        }
        return all;
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
