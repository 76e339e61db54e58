package packaging

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// throwawayCodeSigningCert writes a self-signed code-signing certificate
// and its key (PEM) made for this test only.
func throwawayCodeSigningCert(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "Hoist test signer (throwaway)", Organization: []string{"Hoist tests"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// The signing hook (packaging/windows/sign.sh, which make package runs with
// SIGN_CERT and SIGN_KEY) signs hoist.exe and the installer with
// Authenticode signatures that osslsigncode verifies against the
// certificate; the unsigned artefacts carry none.
func TestWindowsSigningHook(t *testing.T) {
	cert, key := throwawayCodeSigningCert(t)
	for _, name := range []string{"hoist-" + version + "-windows-amd64.exe", "hoist-" + version + "-windows-amd64-setup.exe"} {
		src := artefact(t, name)
		if out, err := tryCmd(time.Minute, nil, "osslsigncode", "verify", "-CAfile", cert, "-in", src); err == nil {
			t.Fatalf("the unsigned %s verifies:\n%s", name, out)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		out := runCmd(t, time.Minute, []string{"SIGN_CERT=" + cert, "SIGN_KEY=" + key}, filepath.Join(repoRoot, "packaging", "windows", "sign.sh"), p, "Hoist")
		if !strings.Contains(out, "signed "+name) {
			t.Errorf("sign.sh said %q", out)
		}
		out = runCmd(t, time.Minute, nil, "osslsigncode", "verify", "-CAfile", cert, "-in", p)
		if !strings.Contains(out, "Signature verification: ok") {
			t.Errorf("osslsigncode verify %s:\n%s", name, out)
		}
	}
}
