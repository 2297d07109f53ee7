package io.flowtrap.manager.captures;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A capture's file name as the seed's capture script writes it. */
class CaptureFileNameTest {
    @Test
    void theFileNameIsTheSeeds() {
        assertThat(CaptureFileName.of("grant", "traffic to grantstavely.com", Instant.parse("2009-02-17T20:20:22Z")))
                .isEqualTo("grant_traffic.to.grantstavely.com_Tue.Feb17.2009-20.20.22.UTC_1234902022_.pcap");
        assertThat(CaptureFileName.of("will", "  ../../etc/passwd & more!", Instant.parse("2009-02-17T21:21:02Z")))
                .isEqualTo("will_etcpasswd.more_Tue.Feb17.2009-21.21.02.UTC_1234905662_.pcap");
        assertThat(CaptureFileName.of("", "", Instant.EPOCH)).isEqualTo("analyst_capture_Thu.Jan01.1970-00.00.00.UTC_0_.pcap");
    }
}
