package io.flowtrap.manager.chatops;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.api.manager.ChatReply;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.sharing.ShareLinks;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Slack's slash command: the signature checked with the signing secret, the text parsed as a
 * {@link MulticaptureCommand}, the capture started for {@code slack:<user_name>} through {@link
 * Captures} and answered at once (an ephemeral "started", or what is wrong); when it ends, its
 * result goes to the command's response URL, in the channel: one line per probe, {@code <probe>
 * - N packets} and a share link to that probe's pcap, or {@code <probe> did not match any packets,
 * so no point uploading}.
 */
@Component
public class SlackCommands implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlackCommands.class);
    private static final Set<String> FINISHED = Set.of("done", "failed", "deleted");

    private final Captures captures;
    private final ShareLinks shares;
    private final ChatopsProperties settings;
    private final byte[] secret;
    private final ResponsePoster poster;
    private final ApplicationEventPublisher events;
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flowtrap-chatops-watch");
        t.setDaemon(true);
        return t;
    });

    public SlackCommands(Captures captures, ShareLinks shares, ChatopsProperties settings, ObjectMapper json,
            MeterRegistry meters, ApplicationEventPublisher events) {
        this.captures = captures;
        this.events = events;
        this.shares = shares;
        this.settings = settings;
        this.secret = settings.slackSigningSecretFile() == null ? null
                : SecretFile.read(settings.slackSigningSecretFile(), "flowtrap.chatops.slack-signing-secret-file");
        this.poster = new ResponsePoster(json, settings, meters);
    }

    /**
     * One slash command: {@code body} as it came (the signature covers its bytes), {@code form} its
     * fields; {@code baseUrl} starts the share links. An unsigned or stale request is refused
     * (FORBIDDEN); a command not understood or a capture that cannot start is answered (200) with why.
     */
    public ChatReply handle(byte[] body, String timestamp, String signature, Map<String, String> form, String baseUrl) {
        if (secret == null) {
            throw new DomainException(Kind.UNAVAILABLE, "chat-ops not configured",
                    "set flowtrap.chatops.slack-signing-secret-file to the Slack app's signing secret");
        }
        RequestSignature.verify(secret, timestamp, body, signature, Instant.now(), settings.maxClockSkew());
        String user = form.getOrDefault("user_name", "").strip();
        String analyst = "slack:" + (user.isEmpty() ? form.getOrDefault("user_id", "unknown") : user);
        String text = form.getOrDefault("text", "");
        if (form.getOrDefault("command", "").strip().equalsIgnoreCase("/multicapture")) {
            text = "multicapture " + text;
        }
        MulticaptureCommand command = null;
        CaptureAnswer started;
        try {
            command = MulticaptureCommand.parse(text);
            started = captures.create(new CaptureRequest("multicapture", "multicapture " + command.filter(), command.filter(),
                    command.probes(), command.timeoutSeconds(), command.count(), List.of("slack"), false, null), analyst);
        } catch (DomainException e) {
            log.info("chat-ops: {}'s command refused: {}: {}", analyst, e.getMessage(), e.detail());
            audit(analyst, text, command, form, null, e.getMessage() + ": " + e.detail());
            return new ChatReply("ephemeral", "Not started: " + e.getMessage() + ": " + e.detail());
        } catch (IOException e) {
            audit(analyst, text, command, form, null, "the manager could not keep the capture: " + e.getMessage());
            return new ChatReply("ephemeral", "Not started: the manager could not keep the capture: " + e.getMessage());
        }
        log.info("chat-ops: capture {} started by {} in channel {}", started.id(), analyst, form.get("channel_id"));
        audit(analyst, text, command, form, started.id(), null);
        String responseUrl = form.get("response_url");
        if (responseUrl != null && !responseUrl.isBlank()) {
            watch.schedule(() -> await(started.id(), responseUrl, analyst, baseUrl), settings.watchInterval().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return new ChatReply("ephemeral", "Started capture " + started.id() + " of '" + command.filter() + "' on "
                + String.join(", ", command.probes()) + " for at most " + command.timeoutSeconds() + " s or " + command.count()
                + " packets; the result follows here.");
    }

    /** The audit entry of one signed command: who, what it said, the probes it named, and the capture it started or why not. */
    private void audit(String analyst, String text, MulticaptureCommand command, Map<String, String> form, String captureId,
            String refused) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("command", text);
        details.put("probes", command == null ? null : command.probes());
        details.put("filter", command == null ? null : command.filter());
        details.put("channel", form.get("channel_id"));
        details.put("team", form.get("team_id"));
        details.put("capture", captureId);
        details.put("refused", refused);
        events.publishEvent(new Audited(analyst, "chatops.command", details));
    }

    /** Looks at the capture until it ends, then posts its result. */
    private void await(String id, String responseUrl, String analyst, String baseUrl) {
        CaptureAnswer c;
        try {
            c = captures.get(id);
        } catch (DomainException e) {
            poster.post(responseUrl, new ChatReply("in_channel", "Capture " + id + " is gone: " + e.detail()));
            return;
        }
        if (!FINISHED.contains(c.state())) {
            watch.schedule(() -> await(id, responseUrl, analyst, baseUrl), settings.watchInterval().toMillis(),
                    TimeUnit.MILLISECONDS);
            return;
        }
        poster.post(responseUrl, new ChatReply("in_channel", result(c, analyst, baseUrl)));
    }

    /** The message for a finished capture: a line per probe. */
    String result(CaptureAnswer c, String analyst, String baseUrl) {
        List<String> lines = new ArrayList<>();
        lines.add("Capture " + c.id() + " of '" + c.filter() + "' for " + analyst + " " + c.state()
                + (c.endReason() != null ? " (" + c.endReason() + ")" : "") + ":");
        if (!"done".equals(c.state())) {
            lines.add(c.message() != null ? c.message() : "no result");
            return String.join("\n", lines);
        }
        for (CaptureAnswer.ProbeResult r : c.probeResults()) {
            if (r.error() != null) {
                lines.add(r.probe() + " failed: " + r.error());
            } else if (r.packets() == 0) {
                lines.add(r.probe() + " did not match any packets, so no point uploading");
            } else {
                lines.add(r.probe() + " - " + r.packets() + " packets: " + link(c.id() + ":" + r.probe(), analyst, baseUrl));
            }
        }
        return String.join("\n", lines);
    }

    private String link(String resultId, String analyst, String baseUrl) {
        try {
            return shares.create("capture", resultId, analyst, List.of(settings.role()), null, baseUrl).url();
        } catch (DomainException e) {
            return "(no share link: " + e.detail() + ")";
        } catch (IOException e) {
            return "(no share link: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        watch.shutdownNow();
        poster.close();
    }
}
