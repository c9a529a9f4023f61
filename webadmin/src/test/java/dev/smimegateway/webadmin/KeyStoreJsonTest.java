package dev.smimegateway.webadmin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.smimegateway.keystore.InvalidRequestException;
import dev.smimegateway.keystore.SignatureAlgorithm;

class KeyStoreJsonTest {

    @Test
    void readsASelfSignedRequestWithEveryField() {
        KeyStoreJson.IdentityRequest request = KeyStoreJson.identityRequest("{\"activate\":false,\"selfSigned\":{"
            + "\"commonName\":\"Gateway\",\"organization\":\"Example Ltd\",\"organizationalUnit\":\"IT\",\"locality\":\"Shanghai\","
            + "\"state\":\"Shanghai\",\"country\":\"CN\",\"domains\":[\"example.com\"],\"emails\":[\"gw@example.com\"],"
            + "\"signatureAlgorithm\":\"rsa-pss-sha256\",\"validityDays\":730,\"keySize\":3072}}");

        assertThat(request).isInstanceOf(KeyStoreJson.SelfSignedCreation.class);
        KeyStoreJson.SelfSignedCreation creation = (KeyStoreJson.SelfSignedCreation) request;
        assertThat(creation.activate()).contains(false);
        assertThat(creation.request().organisation()).contains("Example Ltd");
        assertThat(creation.request().country()).contains("CN");
        assertThat(creation.request().signatureAlgorithm()).isEqualTo(SignatureAlgorithm.RSA_PSS_SHA256);
        assertThat(creation.request().rsaKeySize()).isEqualTo(3072);
        assertThat(creation.request().validityDays()).isEqualTo(730);
    }

    @Test
    void readsAPkcs12Import() {
        KeyStoreJson.IdentityRequest request = KeyStoreJson.identityRequest("{\"pkcs12\":\"AAEC\\nAw==\",\"password\":\"pw\",\"alias\":\"k\"}");

        KeyStoreJson.Pkcs12Import pkcs12 = (KeyStoreJson.Pkcs12Import) request;
        assertThat(pkcs12.pkcs12()).containsExactly(0, 1, 2, 3);
        assertThat(pkcs12.password()).containsExactly('p', 'w');
        assertThat(pkcs12.alias()).contains("k");
        assertThat(pkcs12.activate()).isEmpty();
    }

    @Test
    void refusesAmbiguousOrEmptyRequests() {
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{}")).hasMessageContaining("not neither");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"pkcs12\":\"AA==\",\"selfSigned\":{}}")).hasMessageContaining("not both");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("[1,2]")).hasMessage("the body must be a JSON object");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"pkcs12\":")).hasMessageContaining("not valid JSON");
    }

    @Test
    void namesTheFieldAtFault() {
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"selfSigned\":{\"commonName\":\"x\",\"emails\":\"x@example.com\"}}"))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessage("\"selfSigned.emails\" must be a list of strings");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"selfSigned\":{\"commonName\":\"x\",\"emails\":[\"x@example.com\"],"
            + "\"validityDays\":\"ten\"}}"))
            .hasMessage("\"selfSigned.validityDays\" must be a whole number");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"selfSigned\":{\"commonName\":\"x\",\"emails\":[\"x@example.com\"],"
            + "\"signatureAlgorithm\":\"SHA1withRSA\"}}"))
            .hasMessageStartingWith("unknown signatureAlgorithm 'SHA1withRSA'");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"selfSigned\":{\"commonName\":\"x\"},\"password\":\"pw\"}"))
            .hasMessageContaining("belong to a \"pkcs12\" import");
        assertThatThrownBy(() -> KeyStoreJson.identityRequest("{\"pkcs12\":\"AA==\",\"activate\":\"yes\"}"))
            .hasMessage("\"activate\" must be true or false");
    }
}
