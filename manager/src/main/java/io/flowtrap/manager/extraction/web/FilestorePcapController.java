package io.flowtrap.manager.extraction.web;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.api.JobName;
import io.flowtrap.api.manager.ExtractionAnswer;
import io.flowtrap.api.manager.RetrieveAnswer;
import io.flowtrap.api.manager.StatusAnswer;
import io.flowtrap.api.manager.UploadAnswer;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.extraction.ExtractionJobs;
import io.flowtrap.manager.extraction.Extractions;
import io.flowtrap.manager.extraction.Job;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.manager.security.Callers;
import io.flowtrap.schemas.AlertSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * The pcap chain under {@code /rest/rules/filestore_pcap/}, as Scirius clients drive it:
 * {@code upload} (an alert) → {@code extract_pcap} (the probe carves its flow) → {@code retrieve}
 * (the manager pulls the carve, checks its SHA-256) → {@code download} (streamed, kept for the
 * retention). {@code status} says where a job stands. A carve that takes longer than
 * {@code flowtrap.extraction-wait} answers 202 and goes on; steps out of order are 409; see
 * DESIGN.md for every status. Who uploaded the alert is kept with the job (the results name them as
 * the extraction's analyst); the answers do not say it.
 */
@RestController
class FilestorePcapController {
    static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");

    private final ObjectMapper json;
    private final ExtractionJobs jobs;
    private final ProbeRegistry probes;
    private final ApplicationEventPublisher audit;
    private final Extractions extractions;

    FilestorePcapController(ObjectMapper json, ExtractionJobs jobs, ProbeRegistry probes, Extractions extractions, ApplicationEventPublisher audit) {
        this.audit = audit;
        this.json = json;
        this.jobs = jobs;
        this.probes = probes;
        this.extractions = extractions;
    }

    @PostMapping({"/rest/rules/filestore_pcap/upload/", "/rest/rules/filestore_pcap/upload"})
    UploadAnswer upload(@RequestPart(name = "file", required = false) MultipartFile file,
            @RequestParam(name = "host", required = false) String host, Authentication caller) throws IOException {
        if (file == null) {
            throw new DomainException(Kind.INVALID, "no file", "send the alert as the multipart part 'file'");
        }
        ObjectNode alert = readAlert(file);
        String probe = probes.require(host != null ? host : alert.path("host").asText(null)).name();
        String id = jobId(alert);
        ObjectNode flat = alert.deepCopy();
        flat.remove("_id");
        jobs.create(id, probe, flat.toString(), caller == null ? null : Callers.user(caller));
        return UploadAnswer.done(id);
    }

    @PostMapping({"/rest/rules/filestore_pcap/{filename}/extract_pcap/", "/rest/rules/filestore_pcap/{filename}/extract_pcap"})
    ResponseEntity<ExtractionAnswer> extract(@PathVariable("filename") String filename,
            @RequestParam(name = "host", required = false) String host) throws IOException {
        Job job = jobs.require(filename);
        ProbeClient probe = probes.require(host != null ? host : job.host());
        Optional<Job.Carve> done = extractions.extract(job, probe);
        if (done.isEmpty()) {
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(ExtractionAnswer.pending(job.id(),
                    "probe " + probe.name() + " is still carving; retrieve answers 409 until it is done"));
        }
        Job.Carve carve = done.get();
        return ResponseEntity.ok(ExtractionAnswer.done(job.id(), carve.packets(), carve.bytes(), carve.firstTs(), carve.lastTs()));
    }

    @GetMapping({"/rest/rules/filestore_pcap/{filename}/status/", "/rest/rules/filestore_pcap/{filename}/status"})
    ResponseEntity<StatusAnswer> status(@PathVariable("filename") String filename) throws IOException {
        var job = jobs.find(filename);
        if (job.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(StatusAnswer.unknown(filename));
        }
        return ResponseEntity.ok(StatusAnswer.of(job.get().status()));
    }

    @GetMapping({"/rest/rules/filestore_pcap/{filename}/retrieve/", "/rest/rules/filestore_pcap/{filename}/retrieve"})
    RetrieveAnswer retrieve(@PathVariable("filename") String filename,
            @RequestParam(name = "host", required = false) String host) throws IOException {
        Job job = jobs.require(filename);
        if (extractions.carving(job.id())) {
            throw new DomainException(Kind.CONFLICT, "extraction in progress", "the probe is still carving " + job.id()
                    + "; retrieve again shortly");
        }
        if (job.carve() == null && job.failure() != null) {
            Job.Failure f = job.failure();
            throw new DomainException(f.kind(), f.error(), f.detail());
        }
        if (job.carve() == null) {
            throw new DomainException(Kind.CONFLICT, "not extracted", "call extract_pcap for " + job.id() + " first");
        }
        ProbeClient probe = probes.require(host != null ? host : job.carve().host());
        jobs.checkAnnouncedSize(job); // before a byte is stored
        Path temp = jobs.temporaryPcap(job.id());
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            long size;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), sha256)) {
                size = probe.fetch(job.id(), out, job.carve().size());
            }
            String digest = HexFormat.of().formatHex(sha256.digest());
            if (!digest.equals(job.carve().sha256()) || size != job.carve().size()) {
                throw new DomainException(Kind.PROBE_FAILED, "carve changed in transit", "probe " + probe.name()
                        + " carved " + job.carve().size() + " bytes with SHA-256 " + job.carve().sha256() + ", sent "
                        + size + " bytes with " + digest + "; extract again");
            }
            jobs.recordRetrieved(job.id(), temp, new Job.Retrieved(size, digest, Instant.now()));
            return RetrieveAnswer.done(job.id(), size, digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @GetMapping({"/rest/rules/filestore_pcap/{filename}/download/", "/rest/rules/filestore_pcap/{filename}/download"})
    ResponseEntity<Resource> download(@PathVariable("filename") String filename, Principal caller) throws IOException {
        Job job = jobs.require(filename);
        if (job.expired() != null) {
            throw new DomainException(Kind.GONE, "expired", "the pcap of " + job.id() + " expired at " + job.expired()
                    + "; retrieve it again");
        }
        if (job.retrieved() == null) {
            throw new DomainException(Kind.CONFLICT, "not retrieved", "call retrieve for " + job.id() + " first");
        }
        Path pcap = jobs.pcap(job.id());
        if (!Files.isRegularFile(pcap)) {
            throw new DomainException(Kind.GONE, "expired", "the pcap of " + job.id() + " is gone; retrieve it again");
        }
        long size = Files.size(pcap);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("job", job.id());
        details.put("host", job.carve() != null ? job.carve().host() : job.host());
        details.put("bytes", size);
        details.put("sha256", job.retrieved().sha256());
        audit.publishEvent(new Audited(caller == null ? null : caller.getName(), "download", details));
        return ResponseEntity.ok()
                .contentType(PCAP)
                .contentLength(size)
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(job.id() + ".pcap").build().toString())
                .body(new FileSystemResource(pcap));
    }

    private ObjectNode readAlert(MultipartFile file) throws IOException {
        JsonNode node;
        try (InputStream in = file.getInputStream()) {
            node = json.readTree(in);
        } catch (JsonProcessingException e) {
            throw new DomainException(Kind.INVALID, "malformed JSON", e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new DomainException(Kind.INVALID, "not an alert", "expected one EVE alert object (or an alerts_tail hit)");
        }
        List<String> violations = AlertSchema.get().validate(node);
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.INVALID, "not a valid alert", String.join("; ", violations));
        }
        // no community_id check: the schema requires the tuple, and the probe names the flow by it when
        // Suricata left community_id out (it does under load, for about 2 % of live alerts)
        return (ObjectNode) node;
    }

    /** The alert's {@code _id} if it has one (validated, never a path), else a new random id. */
    private static String jobId(ObjectNode alert) {
        JsonNode id = alert.get("_id");
        if (id == null || id.isNull()) {
            return UUID.randomUUID().toString().replace("-", "");
        }
        if (!id.isTextual() || !JobName.isValid(id.asText())) {
            throw new DomainException(Kind.INVALID, "invalid _id", "an alert _id is 1 to " + JobName.MAX_LENGTH
                    + " characters of A-Z a-z 0-9 _ -");
        }
        return id.asText();
    }

}
