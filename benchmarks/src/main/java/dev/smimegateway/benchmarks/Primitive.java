package dev.smimegateway.benchmarks;

/** A bulk primitive of the JDK, measured on 1 MiB buffers, in MB/s. */
enum Primitive {
    SHA256("SHA-256"),
    AES_CBC_ENCRYPT("AES-256-CBC encrypt"),
    AES_CBC_DECRYPT("AES-256-CBC decrypt"),
    AES_GCM_ENCRYPT("AES-256-GCM encrypt"),
    AES_GCM_DECRYPT("AES-256-GCM decrypt");

    final String label;

    Primitive(String label) {
        this.label = label;
    }
}
