package dev.smimegateway.benchmarks;

import java.util.Optional;

/** A rate (per second) on one thread and on all cores; NaN where it was not measured. */
record Rates(double oneThread, double allCores) {
    static final Rates UNKNOWN = new Rates(Double.NaN, Double.NaN);

    /** {@code this / reference} on the same number of threads, when both are known. */
    static Optional<Double> ratio(double measured, double reference) {
        return Double.isNaN(measured) || Double.isNaN(reference) || reference == 0 ? Optional.empty() : Optional.of(measured / reference);
    }
}
