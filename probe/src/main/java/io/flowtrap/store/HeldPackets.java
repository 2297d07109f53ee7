package io.flowtrap.store;

import io.flowtrap.packet.PacketRecord;

/**
 * Packets held in memory by the capturing side (the probe's look-back ring), which the store's writer
 * copies straight from where they are, by position, instead of the capturing thread copying them into
 * the hand-off first ({@link PcapStore#appendHeld}, {@link PcapStore#appendHeldChain}). Whoever holds
 * them keeps each position it hands over unchanged until the writer has taken it ({@link
 * PcapStore#takenPosition()}).
 */
public interface HeldPackets {
    /**
     * The writer thread: points {@code into} at the packet held at {@code position}, with absolute
     * reads only, touching nothing the capturing thread writes but the packet's own bytes.
     */
    void readHeld(long position, PacketRecord into);

    /**
     * The writer thread: the positions of the {@code count} packets of one flow that end with the
     * one at {@code newest}, oldest first, into {@code into[0, count)} (each held packet names its
     * flow's previous one). The capturing side has said they are all held ({@link
     * PcapStore#appendHeldChain}).
     */
    void chainOf(long newest, int count, long[] into);

    /** The capturing thread: the captured length of the packet held at {@code position}. */
    int heldCapturedLength(long position);
}
