package dev.hde.operators;

import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * A warning that may come once per event (a partial event dropped, a resync asked for) logged at most
 * once per interval per subtask, with how many were left out since the last line: the log shows
 * that it happens and how often, the metrics count every one.
 */
final class RateLimitedLog {

    private final Logger log;
    private final long intervalMillis;
    private long lastLine = Long.MIN_VALUE;
    private long leftOut;

    RateLimitedLog(Logger log, long intervalMillis) {
        this.log = log;
        this.intervalMillis = intervalMillis;
    }

    void warn(Supplier<String> message) {
        long now = System.currentTimeMillis();
        if (lastLine != Long.MIN_VALUE && now - lastLine < intervalMillis) {
            leftOut++;
            return;
        }
        lastLine = now;
        if (leftOut > 0) {
            log.warn("{} (and {} more like it in the last {} s)", message.get(), leftOut, (intervalMillis + 999) / 1000);
        } else {
            log.warn(message.get());
        }
        leftOut = 0;
    }
}
