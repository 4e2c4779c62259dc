package dev.hde.job.chaos;

import dev.hde.job.config.HdeJobConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a chaos run does.
 *
 * @param kills how many times the encoder's JVM is killed with SIGKILL (and started again)
 * @param brokerKills how many of those gaps also kill the broker's JVM for {@code brokerDown}
 * @param withoutState how many restarts use {@code --restore none} (the state lost on purpose)
 * @param gap how long the encoder runs between kills, at most (a random time up to it, seeded)
 * @param dropRate share of partial events the producer drops on purpose
 * @param idleTimeout the encoder's prune time; one VM idles for longer now and then, so it is pruned
 * @param heartbeat how long a quiet region of the producer waits before it sends an empty event (its
 *     next sequence number and digest), so that a lost last change is found
 * @param settle how long the end waits for every region to become exact
 * @param workDir logs and checkpoints (kept with {@code keep})
 */
public record ChaosSettings(long seed, int kills, int brokerKills, int withoutState, int vms, int regionsPerVm, int regionPages,
        Duration roundInterval, Duration gap, Duration brokerDown, double dropRate, Duration idleTimeout, Duration heartbeat,
        Duration checkpointInterval,
        String stateBackend, HdeJobConfig.SelectorMode selector, Duration settle, Path workDir, boolean keep) {

    public ChaosSettings {
        if (kills < 0 || brokerKills < 0 || withoutState < 0 || withoutState > kills || brokerKills > Math.max(1, kills)) {
            throw new IllegalArgumentException("kills >= 0, broker kills at most one per encoder kill, restarts without state at most the kills");
        }
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("a heartbeat longer than 0: without one a lost last change is never found");
        }
        if (vms < 2 || regionsPerVm < 1 || regionPages < 1 || dropRate < 0 || dropRate >= 1) {
            throw new IllegalArgumentException("at least 2 VMs (one of them idles), a region and a page; a drop rate in [0, 1)");
        }
    }
}
