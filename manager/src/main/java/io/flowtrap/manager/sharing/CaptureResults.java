package io.flowtrap.manager.sharing;

import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
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
    public String kind() {
        return KIND;
    }

    @Override
    public List<SharedResult> all() {
        List<SharedResult> all = new ArrayList<>();
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
                try {
                    all.add(find(id));
                } catch (DomainException e) { // deleted since the list was made
                    if (e.kind() != Kind.NOT_FOUND && e.kind() != Kind.GONE) {
                        throw e;
                    }
                }
            }
        }
        return all;
    }

    @Override
    public SharedResult find(String id) {
        int colon = id.indexOf(':');
        String captureId = colon < 0 ? id : id.substring(0, colon);
        String probe = colon < 0 ? null : id.substring(colon + 1);
        CaptureAnswer c = captures.get(captureId);
        Captures.Download d = captures.download(captureId, probe);
        String sha256;
        if (probe == null) {
            sha256 = c.summary().sha256();
        } else {
            sha256 = c.probeResults().stream().filter(r -> probe.equals(r.probe())).map(CaptureAnswer.ProbeResult::sha256)
                    .findFirst().orElse(null);
        }
        long size;
        try {
            size = Files.size(d.file());
        } catch (IOException e) {
            throw new DomainException(Kind.GONE, "result gone", "the pcap of capture " + captureId + " is gone", e);
        }
        String name = probe == null ? c.name() : c.name() + " on " + probe;
        return new SharedResult(KIND, id, name, d.file(), d.fileName(), size, sha256, c.created(), c.tags());
    }
}
