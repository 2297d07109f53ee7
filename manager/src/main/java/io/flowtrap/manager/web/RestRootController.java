package io.flowtrap.manager.web;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /rest}: the reachability check scripts make before anything else; needs no token. */
@RestController
class RestRootController {
    @GetMapping({"/rest", "/rest/"})
    Map<String, Object> root() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "flowtrap");
        body.put("alerts_tail", "/rest/rules/es/alerts_tail/");
        body.put("filestore_pcap", "/rest/rules/filestore_pcap/");
        body.put("authentication", "Authorization: Token <key>");
        return body;
    }
}
