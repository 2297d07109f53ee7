package io.flowtrap.manager.probes.web;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.probes.ProbeClient;
import io.flowtrap.manager.probes.ProbeRegistry;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /rest/appliances/} (admin): each registered probe with its store status, or why it has none. */
@RestController
class ApplianceController {
    private final ProbeRegistry probes;
    private final ObjectMapper json;

    ApplianceController(ProbeRegistry probes, ObjectMapper json) {
        this.probes = probes;
        this.json = json;
    }

    @GetMapping({"/rest/appliances/", "/rest/appliances"})
    ArrayNode appliances() {
        ArrayNode list = json.createArrayNode();
        for (ProbeClient probe : probes.all()) {
            ObjectNode entry = list.addObject().put("name", probe.name());
            try {
                entry.set("store", probe.storeStatus());
                entry.put("reachable", true);
            } catch (DomainException e) {
                entry.put("reachable", false).put("error", e.getMessage()).put("detail", e.detail());
            }
        }
        return list;
    }
}
