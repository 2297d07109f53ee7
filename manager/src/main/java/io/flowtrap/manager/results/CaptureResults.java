package io.flowtrap.manager.results;

import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The captures' results: kind {@code capture}, id {@code <capture id>} for the merged pcap and
 * {@code <capture id>:<probe>} for one probe's part (what chat-ops shares, one link per probe).
 * Only finished captures with packets have one, and only the probes that gave packets have a part.
 */
@Component
class CaptureResults implements ResultSource {
    static final String KIND = "capture";

    private final Captures captures;

    CaptureResults(Captures captures) {
        this.captures = captures;
    }

    @Override
    public Set<String> kinds() {
        return Set.of(KIND);
    }

    @Override
    public List<Result> all() {
        List<Result> all = new ArrayList<>();
        List<CaptureAnswer> done;
        try {
            done = captures.list(null, "done").results();
        } catch (IOException e) {
            throw new DomainException(Kind.INTERNAL, "captures unreadable", e.getMessage(), e);
        }
        for (CaptureAnswer c : done) {
            if (c.summary() == null) {
                continue;
            }
            List<String> ids = new ArrayList<>(List.of(c.id()));
            for (CaptureAnswer.ProbeResult r : c.probeResults() == null ? List.<CaptureAnswer.ProbeResult>of() : c.probeResults()) {
                if (r.packets() > 0 && r.error() == null) {
                    ids.add(c.id() + ":" + r.probe());
                }
            }
            for (String id : ids) {
                Sources.addUnlessGone(all, () -> find(KIND, id));
            }
        }
        return all;
    }

    @Override
    public Result find(String kind, String id) {
        int colon = id.indexOf(':');
        String captureId = colon < 0 ? id : id.substring(0, colon);
        String probe = colon < 0 ? null : id.substring(colon + 1);
        CaptureAnswer c = captures.get(captureId);
        Captures.Download d = captures.download(captureId, probe);
        long size;
        try {
            size = Files.size(d.file());
        } catch (IOException e) {
            throw new DomainException(Kind.GONE, "result gone", "the pcap of capture " + captureId + " is gone", e);
        }
        if (probe == null) {
            return new Result(KIND, id, c.name(), c.analyst(), c.created(), c.probes(), d.file(), d.fileName(), size,
                    c.summary().packets(), c.summary().dataSize(), c.summary().sha256(), c.tags(), null);
        }
        CaptureAnswer.ProbeResult part = c.probeResults().stream().filter(r -> probe.equals(r.probe())).findFirst()
                .orElseThrow(() -> new DomainException(Kind.NOT_FOUND, "unknown probe", "capture " + captureId + " ran on "
                        + c.probes() + ", not " + probe));
        return new Result(KIND, id, c.name() + " on " + probe, c.analyst(), c.created(), List.of(probe), d.file(), d.fileName(),
                size, part.packets(), part.bytes(), part.sha256(), c.tags(), null);
    }
}
