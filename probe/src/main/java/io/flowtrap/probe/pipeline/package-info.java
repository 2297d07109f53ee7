/**
 * The capture path assembled: the per-packet engine (resolve, track, hold in the look-back ring or
 * store), alert arming, and replay on the packet clock. Owns no format; may import the packet,
 * flow, look-back, store and alert packages, and config.
 */
package io.flowtrap.probe.pipeline;
