package dev.smimegateway.core.crypto;

import java.io.OutputStream;

import javax.crypto.Cipher;

/** Bouncy Castle hands AES-GCM's additional authenticated data (CMS authAttrs) over as a stream; this feeds it to a JDK cipher. */
final class CipherAad {
    private CipherAad() {
    }

    static OutputStream into(Cipher cipher) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                cipher.updateAAD(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                cipher.updateAAD(bytes, offset, length);
            }
        };
    }
}
