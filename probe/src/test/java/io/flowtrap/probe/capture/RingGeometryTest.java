package io.flowtrap.probe.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RingGeometryTest {
    private static final int PAGE = 4096;

    @Test
    void theDefaultBufferMakesSixtyFourBlocksOfOneMegabyte() {
        RingGeometry g = RingGeometry.forBuffer(64L << 20, 65535, PAGE);
        assertThat(g.blockSize()).isEqualTo(1 << 20);
        assertThat(g.blockCount()).isEqualTo(64);
        assertThat(g.ringBytes()).isEqualTo(64L << 20);
        assertThat(g.frameSize()).isEqualTo(65648).isGreaterThanOrEqualTo(RingGeometry.FRAME_HEADROOM + 65535);
        assertThat(g.frameSize() % 16).isZero();
        assertThat(g.frameCount()).isEqualTo((1 << 20) / 65648 * 64);
        assertThat(g.retireTimeoutMillis()).isBetween(1, 10);
        // a stall of the capture thread on a light wire: every block leaves at the timeout, nearly empty
        assertThat(g.blockCount() * g.retireTimeoutMillis()).as("stall tolerated at low rates, ms").isGreaterThanOrEqualTo(500);
    }

    @Test
    void largeBuffersGetMoreBlocksNotLargerOnesAndMayExceedTwoGigabytes() {
        RingGeometry g = RingGeometry.forBuffer(3L << 30, 65535, PAGE);
        assertThat(g.blockSize()).isEqualTo(RingGeometry.MAX_BLOCK_BYTES);
        assertThat(g.blockCount()).isEqualTo(768);
        assertThat(g.ringBytes()).isEqualTo(3L << 30);
    }

    @Test
    void smallBuffersGetSmallerBlocksButEachHoldsAFrameOfTheSnaplen() {
        RingGeometry mid = RingGeometry.forBuffer(8L << 20, 65535, PAGE);
        assertThat(mid.blockSize()).isEqualTo(128 << 10);
        assertThat(mid.blockCount()).isEqualTo(64);

        RingGeometry tiny = RingGeometry.forBuffer(64 << 10, 9000, PAGE);
        assertThat(tiny.frameSize()).isEqualTo(9104);
        assertThat(tiny.blockSize()).isEqualTo(16 << 10); // the smallest power-of-two pages holding a frame
        assertThat(tiny.blockCount()).isEqualTo(4);

        RingGeometry tooSmall = RingGeometry.forBuffer(1000, 65535, PAGE);
        assertThat(tooSmall.blockSize()).isEqualTo(128 << 10);
        assertThat(tooSmall.blockCount()).isEqualTo(RingGeometry.MIN_BLOCKS);
    }

    @Test
    void blocksAreWholePagesOnLargePageMachines() {
        RingGeometry g = RingGeometry.forBuffer(1 << 20, 1500, 64 << 10);
        assertThat(g.blockSize()).isEqualTo(64 << 10);
        assertThat(g.blockCount()).isEqualTo(16);
    }

    @Test
    void impossibleRingsAreRefused() {
        assertThatThrownBy(() -> RingGeometry.forBuffer(1 << 20, 0, PAGE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingGeometry.forBuffer(1 << 20, 1500, 3000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RingGeometry(4096, 1, 8192, 4)).hasMessageContaining("impossible ring");
    }
}
