package io.flowtrap.store;

import io.flowtrap.packet.PacketRecord;

/**
 * Packets held in memory by the capturing side (the probe's look-back ring), which the store's writer
 * copies straight from where they are, by position, instead of the capturing thread copying them into
 * the hand-off first ({@link PcapStore#appendHeld}). Whoever holds them keeps each position it hands
 * over unchanged until the writer has taken it ({@link PcapStore#takenPosition()}).
 */
public interface HeldPackets {
    /**
     * The writer thread: points {@code into} at the packet held at {@code position}, with absolute
     * reads only, touching nothing the capturing thread writes but the packet's own bytes.
     */
    void readHeld(long position, PacketRecord into);

    /** The capturing thread: the captured length of the packet held at {@code position}. */
    int heldCapturedLength(long position);
}
