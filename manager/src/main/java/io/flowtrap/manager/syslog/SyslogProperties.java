package io.flowtrap.manager.syslog;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the audit trail's syslog copy goes ({@code flowtrap.syslog.*}).
 *
 * @param target {@code unix:/dev/log} (the local syslog daemon's datagram socket), {@code udp:HOST:PORT}
 *     (a collector), or {@code off}
 * @param facility the RFC 5424 facility by name: {@code auth}, {@code authpriv}, {@code daemon},
 *     {@code user} or {@code local0} to {@code local7}
 * @param appName the APP-NAME field
 * @param enterpriseId the private enterprise number in the structured data's SD-ID
 *     ({@code flowtrap@N}); 32473 is the one RFC 5612 sets aside for documentation: use your own
 * @param maxMessageBytes a message longer than this is cut (the free text first; counted), as
 *     RFC 5424 only asks receivers to take 480 and most take 2048
 */
@ConfigurationProperties(prefix = "flowtrap.syslog")
public record SyslogProperties(
        @DefaultValue("unix:/dev/log") String target,
        @DefaultValue("auth") String facility,
        @DefaultValue("flowtrap-manager") String appName,
        @DefaultValue("32473") int enterpriseId,
        @DefaultValue("2048") int maxMessageBytes) {}
