package io.flowtrap.manager.results;

import io.flowtrap.api.manager.SearchAnswer;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.searches.Searches;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The searches' results: kind {@code search}, id {@code <search id>} for the merged pcap and
 * {@code <search id>:<probe>} for one probe's part. Only done searches with packets have one (and
 * only while the manager remembers the search: a restart forgets searches), and only the probes
 * that gave packets have a part.
 */
@Component
class SearchResults implements ResultSource {
    static final String KIND = "search";

    private final Searches searches;

    SearchResults(Searches searches) {
        this.searches = searches;
    }

    @Override
    public Set<String> kinds() {
        return Set.of(KIND);
    }

    @Override
    public List<Result> all() {
        List<Result> all = new ArrayList<>();
        for (SearchAnswer s : searches.list().results()) {
            if (!"done".equals(s.state()) || s.summary() == null) {
                continue;
            }
            List<String> ids = new ArrayList<>(List.of(s.id()));
            for (SearchAnswer.Part p : s.parts() == null ? List.<SearchAnswer.Part>of() : s.parts()) {
                if (p.packets() != null && p.packets() > 0 && p.error() == null) {
                    ids.add(s.id() + ":" + p.probe());
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
        String searchId = colon < 0 ? id : id.substring(0, colon);
        String probe = colon < 0 ? null : id.substring(colon + 1);
        SearchAnswer s = searches.get(searchId);
        Searches.Download d = searches.download(searchId, probe);
        long size;
        try {
            size = Files.size(d.file());
        } catch (IOException e) {
            throw new DomainException(Kind.GONE, "result gone", "the pcap of search " + searchId + " is gone", e);
        }
        String name = "search '" + s.filter() + "'";
        if (probe == null) {
            return new Result(KIND, id, name, s.analyst(), s.created(), s.probes(), d.file(), d.fileName(), size,
                    s.summary().packets(), s.summary().dataSize(), s.summary().sha256(), List.of(), null);
        }
        SearchAnswer.Part part = s.parts().stream().filter(p -> probe.equals(p.probe())).findFirst().orElseThrow();
        return new Result(KIND, id, name + " on " + probe, s.analyst(), s.created(), List.of(probe), d.file(), d.fileName(), size,
                part.packets() == null ? 0 : part.packets(), part.bytes() == null ? 0 : part.bytes(), part.sha256(), List.of(), null);
    }
}
